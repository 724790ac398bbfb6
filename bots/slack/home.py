"""The App Home tab: the member's world at a glance (``views.publish``).

The view is a list of sections, each built by a *provider*: an async function that reads
what it needs in one read-only transaction and returns Block Kit blocks. Providers are
registered with ``@home_section(order)``; the tab shows them in that order. Greeting (0),
profile (10), channels (20), upcoming events with RSVP buttons (30) and reminder settings (40).

Every text is escaped (see ``render``); buttons carry ordinary core command payloads, so a
press on the Home tab goes through the same path as a press in a message.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import actions
from core.commands.syntax import command_hint
from core.messages.types import Button
from core.db.models import Member
from core.events.listing import RSVP_CHOICES, answers_of, upcoming_for_member
from core.events.reminders import REMINDER_PRESETS, describe_offsets, offsets_of, parse_offsets
from core.events.render import Counts, counts, counts_text, pick_text, when
from core.geo.countries import country_name
from core.i18n import DEFAULT_LANGUAGE, _, language_from_locale, language_name, use_language
from core.members import find_identity
from core.memberships import channel_title, joined_slugs

from .render import ActionIds, Block, button_element, esc, mrkdwn, plain

PLATFORM = "slack"
MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view
HOME_EVENTS = 5  # events shown on the Home tab; "All events" lists the rest


@dataclass
class HomeView:
    """What a provider gets: the open session, the member (None before first contact), the reader."""

    session: AsyncSession
    member: Member | None
    user_id: str
    language: str
    ids: ActionIds = field(default_factory=ActionIds)

    async def button(self, label: str, command: str, args: str = "", selected: bool = False) -> dict[str, Any]:
        owner = self.member.id if self.member is not None else None  # a stored line is theirs (``forget``)
        action = await actions.encode(self.session, command, args, owner)
        return button_element(Button(label=label, action=action, selected=selected), self.ids)


Provider = Callable[[HomeView], Awaitable[list[Block]]]
_providers: list[tuple[int, Provider]] = []


def home_section(order: int) -> Callable[[Provider], Provider]:
    def register(provider: Provider) -> Provider:
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])
        return provider

    return register


def providers() -> list[Provider]:
    return [provider for _order, provider in _providers]


# ---------------------------------------------------------------- the sections


@home_section(0)
async def greeting(view: HomeView) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(_("Alumni network"), 150)}]
    if view.member is None:
        blocks.append({"type": "section", "text": mrkdwn(esc(_("Welcome! Press Start to choose your language and country.")))})
        blocks.append({"type": "actions", "elements": [await view.button(_("Start"), "start")]})
    return blocks


@home_section(10)
async def profile(view: HomeView) -> list[Block]:
    member = view.member
    if member is None:
        return []
    unset = _("not set")
    language = language_name(member.language, view.language) if member.language else unset
    country = country_name(member.country_code, view.language) if member.country_code else unset
    zone = member.timezone or unset
    labels = (_("Language"), _("Country"), _("Time zone"))
    fields = [mrkdwn(f"*{esc(label)}*\n{esc(value)}") for label, value in zip(labels, (language, country, zone))]
    return [
        {"type": "divider"},
        {"type": "section", "fields": fields},
        {
            "type": "actions",
            "elements": [
                await view.button(_("Language"), "language"),
                await view.button(_("Country"), "country"),
                await view.button(_("Time zone"), "timezone"),
            ],
        },
    ]


@home_section(20)
async def channels(view: HomeView) -> list[Block]:
    member = view.member
    if member is None:
        return []
    slugs = sorted(await joined_slugs(view.session, member.id), key=channel_title)
    heading = _("Your channels")
    title = f"*{esc(heading)}*"
    if slugs:
        body = "\n".join(f"• {esc(channel_title(slug))}" for slug in slugs)
    else:
        body = esc(_("You have not joined any channel yet. Send {hint}.").format(hint=command_hint(PLATFORM, "channels")))
    return [
        {"type": "divider"},
        {"type": "section", "text": mrkdwn(f"{title}\n{body}"[:3000])},
        {
            "type": "actions",
            "elements": [
                await view.button(_("Channels"), "channels"),
                await view.button(_("Associations"), "associations"),
                await view.button(_("Help"), "help"),
            ],
        },
    ]


@home_section(30)
async def upcoming_events(view: HomeView) -> list[Block]:
    """The member's next events (the core's ``events`` rule), each a card with RSVP buttons that run
    the core's ``rsvp`` command; the member's answer is the primary button."""
    member = view.member
    if member is None:
        return []
    found = await upcoming_for_member(view.session, member, HOME_EVENTS)
    title = _("Upcoming events")
    heading = f"*{esc(title)}*"
    if not found:
        text = _("No upcoming event in your country or your channels. Try {example}.").format(
            example=command_hint(PLATFORM, "events", "tn"))
        return [{"type": "divider"}, {"type": "section", "text": mrkdwn(f"{heading}\n{esc(text)}")}]
    numbers = await counts(view.session, [e.id for e in found])
    mine = await answers_of(view.session, member.id, [e.id for e in found])
    zone = member.timezone
    blocks: list[Block] = [{"type": "divider"}, {"type": "section", "text": mrkdwn(heading)}]
    for event in found:
        title, _description = pick_text(event)
        lines = [f"*{esc(title)}* (#{event.id})", esc(when(event, zone or event.timezone))]
        if event.place:
            lines.append(esc(event.place))
        lines.append(esc(counts_text(numbers.get(event.id, Counts()), event.capacity)))
        blocks.append({"type": "section", "text": mrkdwn("\n".join(lines)[:3000])})
        answer = mine.get(event.id)
        elements = [
            await view.button(_(label), "rsvp", f"{event.id} {value}", selected=answer is not None and answer.answer == value)
            for value, label in RSVP_CHOICES
        ]
        elements.append(await view.button(_("Details"), "event", str(event.id)))
        blocks.append({"type": "actions", "elements": elements})
    blocks.append({"type": "actions", "elements": [await view.button(_("All events"), "events")]})
    return blocks


@home_section(40)
async def reminder_settings(view: HomeView) -> list[Block]:
    """The member's reminder offsets in words, with the core's presets as buttons (the current one
    primary); a press runs ``reminders <value>`` and the Home is re-published."""
    member = view.member
    if member is None:
        return []
    current = offsets_of(member)
    elements = []
    for label, value in REMINDER_PRESETS:
        shown = _(label) if value == "off" else label
        elements.append(await view.button(shown, "reminders", value, selected=parse_offsets(value) == current))
    title = _("Reminders")
    text = f"*{esc(title)}*\n{esc(describe_offsets(current))}"
    return [{"type": "divider"}, {"type": "section", "text": mrkdwn(text[:3000])}, {"type": "actions", "elements": elements}]


# ---------------------------------------------------------------- building


async def build_home(db: Any, user_id: str, locale: str | None = None) -> dict[str, Any]:
    """The Home tab view for a Slack user, in their language (their Slack locale before they chose)."""
    async with db.transaction() as session:
        identity = await find_identity(session, PLATFORM, user_id)
        member = await session.get(Member, identity.member_id) if identity is not None else None
        language = (member.language if member else None) or language_from_locale(locale) or DEFAULT_LANGUAGE
        with use_language(language):
            view = HomeView(session=session, member=member, user_id=user_id, language=language)
            blocks: list[Block] = []
            for provider in providers():
                blocks.extend(await provider(view))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def fingerprint(view: dict[str, Any]) -> str:
    """A stable text of a view, to publish only what changed."""
    return json.dumps(view, sort_keys=True, ensure_ascii=False)

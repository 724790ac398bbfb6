"""The App Home tab: the member's world at a glance (``views.publish``).

The core says what a member's home holds (``CommandService.home``: profile, channels, upcoming
events with RSVP buttons, reminder settings, each button an ordinary command payload); here it
is laid out as Block Kit. The view is a list of sections, each built by a *provider* from that
home; providers are registered with ``@home_section(order)`` and the tab shows them in that
order. Greeting (0), profile (10), channels (20), upcoming events (30), reminder settings (40).

Every text is escaped (see ``render``); a press on the Home tab goes through the same path as a
press in a message. ``HomeTab`` publishes the view when a member opens the tab, and again after
their requests when what it shows has changed.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from core.commands.home import MemberHome
from core.commands.syntax import command_hint
from core.i18n import _, use_language
from core.i18n.formatting import numbered
from core.messages.types import Button
from bots.kit.direction import directed
from bots.kit.layout import line

from .profiles import Profiles
from .render import ActionIds, Block, button_element, esc, mrkdwn, plain

log = logging.getLogger(__name__)

PLATFORM = "slack"
MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view


@dataclass
class HomeView:
    """What a provider gets: the core's home of the member, and the ids of this view's buttons."""

    home: MemberHome
    ids: ActionIds = field(default_factory=ActionIds)

    def buttons(self, buttons: tuple[Button, ...] | list[Button]) -> dict[str, Any]:
        return {"type": "actions", "elements": [button_element(b, self.ids, self.home.rtl) for b in buttons]}

    def line(self, text: str) -> str:
        """One line of text, escaped, marked to read right to left when the reader's language does."""
        return esc(line(text, self.home.rtl))

    def text(self, text: str) -> str:
        """Several lines of text, escaped, each marked as ``line`` does."""
        return esc(directed(text, self.home.rtl))


Provider = Callable[[HomeView], list[Block]]
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


def headed(view: HomeView, heading: str, body: str) -> list[Block]:
    """A section of the tab: a divider, then the bold heading over an escaped, marked ``body`` (within 3000)."""
    return [{"type": "divider"}, {"type": "section", "text": mrkdwn(f"*{view.line(heading)}*\n{body}"[:3000])}]


@home_section(0)
def greeting(view: HomeView) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(_("Alumni network"), 150)}]
    if view.home.start is not None:
        blocks.append({"type": "section", "text": mrkdwn(view.text(_("Welcome! Press Start to choose your language and country.")))})
        blocks.append(view.buttons([view.home.start]))
    return blocks


@home_section(10)
def profile(view: HomeView) -> list[Block]:
    shown = view.home.profile
    if shown is None:
        return []
    unset = _("not set")
    labels = (_("Language"), _("Country"), _("Time zone"))
    values = (shown.language or unset, shown.country or unset, shown.timezone or unset)
    fields = [mrkdwn(f"*{view.line(label)}*\n{view.line(value)}") for label, value in zip(labels, values)]
    return [{"type": "divider"}, {"type": "section", "fields": fields}, view.buttons(shown.buttons)]


@home_section(20)
def channels(view: HomeView) -> list[Block]:
    home = view.home
    if not home.known:
        return []
    if home.channels:
        body = view.text("\n".join(f"• {name}" for name in home.channels))
    else:
        body = view.text(_("You have not joined any channel yet. Send {hint}.").format(hint=command_hint(PLATFORM, "channels")))
    return [*headed(view, _("Your channels"), body), view.buttons(home.channel_buttons)]


@home_section(30)
def upcoming_events(view: HomeView) -> list[Block]:
    """The member's next events, each a card with RSVP buttons (their answer is the primary button)."""
    home = view.home
    if not home.known:
        return []
    title = _("Upcoming events")
    heading = f"*{view.line(title)}*"
    if not home.events:
        text = _("No upcoming event in your country or your channels. Other channels may have some: {hint}.").format(
            hint=command_hint(PLATFORM, "channels"))
        return headed(view, title, view.text(text))
    blocks: list[Block] = [{"type": "divider"}, {"type": "section", "text": mrkdwn(heading)}]
    for event in home.events:
        lines = [numbered(f"*{view.line(event.title)}*", event.id), view.line(event.when)]
        if event.place:
            lines.append(view.line(event.place))
        lines.append(view.line(event.counts))
        blocks.append({"type": "section", "text": mrkdwn("\n".join(lines)[:3000])})
        blocks.append(view.buttons([*event.answers, event.details]))
    if home.all_events is not None:
        blocks.append(view.buttons([home.all_events]))
    return blocks


@home_section(40)
def reminder_settings(view: HomeView) -> list[Block]:
    """The member's reminder offsets in words, with the presets as buttons (the current one primary)."""
    home = view.home
    if not home.known:
        return []
    return [*headed(view, _("Reminders"), view.text(home.reminders)), view.buttons(home.reminder_buttons)]


# ---------------------------------------------------------------- building


async def build_home(service: Any, user_id: str, locale: str | None = None) -> dict[str, Any]:
    """The Home tab view for a Slack user, in their language (their Slack locale before they chose)."""
    home = await service.home(PLATFORM, user_id, locale)
    with use_language(home.language):
        view = HomeView(home)
        blocks: list[Block] = []
        for provider in providers():
            blocks.extend(provider(view))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def fingerprint(view: dict[str, Any]) -> str:
    """A stable text of a view, to publish only what changed."""
    return json.dumps(view, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------- publishing


@dataclass
class HomeTab:
    """The Home tabs this process published, so that one is published again only when it changed."""

    service: Any
    client: AsyncWebClient
    profiles: Profiles
    seen: dict[str, str] = field(default_factory=dict)  # user id -> fingerprint of the published Home

    async def publish(self, user_id: str, *, force: bool = False) -> None:
        profile = await self.profiles.get(user_id)
        view = await build_home(self.service, user_id, profile.locale)
        published = fingerprint(view)
        if not force and self.seen.get(user_id) == published:
            return
        await self.client.views_publish(user_id=user_id, view=view)
        self.seen[user_id] = published

    async def refresh(self, user_id: str) -> None:
        """Re-publish the Home tab of someone who has opened it, when what it shows has changed."""
        if user_id not in self.seen:
            return
        try:
            await self.publish(user_id)
        except Exception as error:  # noqa: BLE001 - the Home tab is a convenience; the answer was sent
            log.info("views.publish for %s failed: %s", user_id, error)

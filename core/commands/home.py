"""A member's home at a glance: profile, channels, upcoming events, reminder settings.

A platform's home screen (Slack's App Home tab) shows it in its own layout; everything in it is
plain data in the reader's language, and every button carries an ordinary command payload, so
a press on the home goes through the same path as a press in a message.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.models import Member
from core.events.listing import RSVP_CHOICES, answers_of, upcoming_for_member
from core.events.reminders import REMINDER_PRESETS, describe_offsets, offsets_of, parse_offsets
from core.events.render import Counts, counts, counts_text, pick_text, when
from core.geo.countries import country_name
from core.i18n import DEFAULT_LANGUAGE, _, is_rtl, language_from_locale, language_name, pgettext
from core.i18n.region import use_locale
from core.members import find_identity
from core.memberships import channel_title, joined_slugs
from core.messages import actions
from core.messages.types import Button

HOME_EVENTS = 5  # events shown on a home; "All events" lists the rest


@dataclass(frozen=True, slots=True)
class HomeProfile:
    language: str | None  # names in the reader's language; None: not chosen yet
    country: str | None
    timezone: str | None
    buttons: tuple[Button, ...]  # language, country, time zone


@dataclass(frozen=True, slots=True)
class HomeEvent:
    id: int
    title: str
    when: str  # in the member's time zone (the event's own when they have none)
    place: str
    counts: str  # "3 going, 1 maybe" and the places left
    answers: tuple[Button, ...]  # the RSVP answers, the member's own selected
    details: Button


@dataclass(frozen=True, slots=True)
class MemberHome:
    language: str  # the reader's: the member's choice, else their platform's
    rtl: bool = False  # the reader's language reads right to left (as ``Reply.rtl``)
    start: Button | None = None  # before first contact the home offers only this
    profile: HomeProfile | None = None
    channels: tuple[str, ...] = ()  # titles of the joined channels, sorted
    channel_buttons: tuple[Button, ...] = ()  # channels, associations, help
    events: tuple[HomeEvent, ...] = ()  # the next ``HOME_EVENTS`` of their country and channels
    all_events: Button | None = None
    reminders: str = ""  # their reminder offsets in words
    reminder_buttons: tuple[Button, ...] = ()  # the presets, the current one selected

    @property
    def known(self) -> bool:
        return self.profile is not None


class _Buttons:
    def __init__(self, session: AsyncSession, member: Member | None) -> None:
        self.session = session
        self.owner = member.id if member is not None else None  # a stored line is theirs (``forget``)

    async def __call__(self, label: str, command: str, args: str = "", selected: bool = False) -> Button:
        return Button(label=label, action=await actions.encode(self.session, command, args, self.owner), selected=selected)


async def member_home(db: Database, platform: str, user_id: str, locale: str | None = None) -> MemberHome:
    """The home of a platform user, in their language (their platform's locale before they chose one)."""
    async with db.transaction() as session:
        identity = await find_identity(session, platform, user_id)
        member = await session.get(Member, identity.member_id) if identity is not None else None
        language = (member.language if member else None) or language_from_locale(locale) or DEFAULT_LANGUAGE
        with use_locale(language, member.country_code if member else None):
            button = _Buttons(session, member)
            if member is None:
                return MemberHome(language, rtl=is_rtl(language), start=await button(pgettext("button", "Start"), "start"))
            events, all_events = await _events(session, member, button)
            return MemberHome(
                language,
                rtl=is_rtl(language),
                profile=await _profile(member, language, button),
                channels=tuple(sorted((channel_title(s) for s in await joined_slugs(session, member.id)))),
                channel_buttons=(await button(pgettext("button", "Channels"), "channels"), await button(_("Associations"), "associations"),
                                 await button(_("Help"), "help")),
                events=events,
                all_events=all_events,
                reminders=describe_offsets(offsets_of(member)),
                reminder_buttons=await _reminder_buttons(member, button),
            )


async def _profile(member: Member, language: str, button: _Buttons) -> HomeProfile:
    return HomeProfile(
        language=language_name(member.language, language) if member.language else None,
        country=country_name(member.country_code, language) if member.country_code else None,
        timezone=member.timezone or None,
        buttons=(await button(pgettext("button", "Language"), "language"),
                 await button(pgettext("button", "Country"), "country"),
                 await button(pgettext("button", "Time zone"), "timezone")),
    )


async def _events(session: AsyncSession, member: Member, button: _Buttons) -> tuple[tuple[HomeEvent, ...], Button | None]:
    """The member's next events (the ``events`` command's rule) with RSVP buttons running ``rsvp``."""
    found = await upcoming_for_member(session, member, HOME_EVENTS)
    if not found:
        return (), None
    numbers = await counts(session, [e.id for e in found])
    mine = await answers_of(session, member.id, [e.id for e in found])
    events = []
    for event in found:
        answer = mine.get(event.id)
        answers = tuple([await button(_(label), "rsvp", f"{event.id} {value}",
                                      selected=answer is not None and answer.answer == value)
                         for value, label in RSVP_CHOICES])
        events.append(HomeEvent(
            id=event.id,
            title=pick_text(event)[0],
            when=when(event, member.timezone or event.timezone),
            place=event.place or "",
            counts=counts_text(numbers.get(event.id, Counts()), event.capacity),
            answers=answers,
            details=await button(_("Details"), "event", str(event.id)),
        ))
    return tuple(events), await button(_("All events"), "events")


async def _reminder_buttons(member: Member, button: _Buttons) -> tuple[Button, ...]:
    current = offsets_of(member)
    return tuple([await button(_(label) if value == "off" else label, "reminders", value,
                               selected=parse_offsets(value) == current)
                  for label, value in REMINDER_PRESETS])

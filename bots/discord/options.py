"""The options of each slash command and where their autocomplete comes from.

The core takes one argument string per command; Discord wants typed options. ``OPTIONS``
maps a core command to its options, in the order they are joined into that string. A core
command that is not in the table but has a usage gets one free-text option (``arguments``),
so a command added to the core later appears on Discord at once; giving it its own row here
(e.g. ``"event": (Option("id", ..., required=True, complete="event"),)`` with an ``"event"``
completer in ``COMPLETERS``) types and completes it.

Completers read the core (countries, time zones, the directory, the channel list); what
they suggest is only a suggestion: the core checks the value the person finally sends.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from core.channels import THEMES
from core.geo.countries import country_codes, country_name, suggest_countries
from core.geo.timezones import all_zones
from core.i18n import DEFAULT_LANGUAGE, N_, SUPPORTED_LANGUAGES, language_name, use_language
from core.db.models import Member
from core.events.render import pick_text, when
from core.events.upcoming import upcoming_events
from core.memberships import channel_title, joined_slugs
from core.members import find_identity
from core.text import fold

from .names import clip, language_of_locale

MAX_CHOICES = 25  # Discord's limit per autocomplete answer
PLATFORM = "discord"


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # English option name; its localized name comes from names.SLASH_WORDS
    description: str  # catalog msgid
    required: bool = False
    complete: str | None = None  # a key of COMPLETERS
    kind: type = str  # str, or discord.Role (an adapter-only option)
    to_core: bool = True  # joined into the core's argument string
    choices: tuple[tuple[str, str], ...] = ()  # fixed (value, label msgid) pairs, labels localized


_CHANNEL = N_("A country or a topic, in any language")
_EVENT = N_("An upcoming event: type its name or number")
ANSWERS = (("yes", N_("Going")), ("maybe", N_("Maybe")), ("no", N_("Not going")))
OPTIONS: dict[str, tuple[Option, ...]] = {
    "language": (Option("language", N_("A language, for example français or English"), complete="language"),),
    "country": (Option("country", N_("Your country, in any language"), complete="country"),),
    "timezone": (Option("zone", N_("A time zone or a city"), complete="timezone"),),
    "associations": (Option("query", N_("A name, a city or a country"), complete="association"),),
    "join": (Option("channel", _CHANNEL, required=True, complete="channel"),),
    "leave": (Option("channel", _CHANNEL, required=True, complete="my_channel"),),
    "events": (Option("channel", _CHANNEL, complete="channel"),),
    "event": (Option("event", _EVENT, required=True, complete="event"),),
    "rsvp": (
        Option("event", _EVENT, required=True, complete="event"),
        Option("answer", N_("Your answer"), required=True, choices=ANSWERS),
    ),
    "reminders": (Option("offsets", N_("For example 1d 1h (days, hours, minutes), or off"), complete="reminders"),),
    "link": (Option("code", N_("The code the bot gave you on your other platform")),),
    "bind": (
        Option("channel", _CHANNEL, required=True, complete="channel"),
        Option("role", N_("The role that members of the channel get"), kind=discord.Role, to_core=False),
    ),
    "unbind": (Option("channel", _CHANNEL, complete="channel"),),
}
FREE_TEXT = N_("What to send with the command")
# Commands only a server's administrators use: offered in servers only.
SERVER_ONLY = frozenset({"bind", "unbind"})


def options_for(name: str, usage: str) -> tuple[Option, ...]:
    if name in OPTIONS:
        return OPTIONS[name]
    if usage:
        return (Option("arguments", FREE_TEXT, required=usage.lstrip().startswith("<")),)
    return ()


# ---------------------------------------------------------------- completers

Completer = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]


def reader_language(interaction: discord.Interaction) -> str:
    return language_of_locale(interaction.locale) or DEFAULT_LANGUAGE


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=clip(name) or value[:100], value=value[:100])


async def complete_language(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    typed = fold(current)
    found = []
    for code in SUPPORTED_LANGUAGES:
        names = {language_name(code), language_name(code, reader_language(interaction)), code}
        if not typed or any(fold(n).startswith(typed) for n in names):
            found.append(_choice(language_name(code), code))
    return found


def _countries(current: str, language: str, limit: int) -> list[tuple[str, str]]:
    """(name in the reader's language, code): names starting with what is typed (sorted), then near misses."""
    typed = fold(current)
    if not typed:
        return sorted(((country_name(c, language), c) for c in country_codes()), key=lambda item: fold(item[0]))[:limit]
    found = sorted(((country_name(c, language), c) for c in country_codes() if fold(country_name(c, language)).startswith(typed)),
                   key=lambda item: fold(item[0]))
    seen = {code for _name, code in found}
    for match in suggest_countries(current, limit=limit, cutoff=80):
        if match.code not in seen:
            seen.add(match.code)
            found.append((country_name(match.code, language), match.code))
    return found[:limit]


async def complete_country(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [_choice(name, code) for name, code in _countries(current, reader_language(interaction), MAX_CHOICES)]


async def complete_timezone(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    typed = fold(current).replace(" ", "_")
    if not typed:
        return []
    zones = sorted(z for z in all_zones() if typed in z.casefold())
    zones.sort(key=lambda z: not z.rsplit("/", 1)[-1].casefold().startswith(typed))  # city prefix first
    return [_choice(z.replace("_", " "), z) for z in zones[:MAX_CHOICES]]


async def complete_association(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    service = getattr(interaction.client, "service", None)
    if service is None or len(current.strip()) < 2:
        return []
    language = reader_language(interaction)
    results = await service.directory.search(current.strip()[:100], limit=MAX_CHOICES)
    with use_language(language):
        return [
            _choice(f"{hit.name} — {', '.join(p for p in (hit.city, country_name(hit.country_code, language)) if p)}", hit.name)
            for hit in results.hits
        ]


def _channel_choices(slugs: list[str], current: str, language: str) -> list[app_commands.Choice[str]]:
    typed = fold(current)
    with use_language(language):
        titled = [(channel_title(slug), slug) for slug in slugs]
    kept = [(t, s) for t, s in titled if not typed or fold(t).startswith(typed) or s.startswith(typed)]
    return [_choice(t, s) for t, s in kept[:MAX_CHOICES]]


async def complete_channel(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    language = reader_language(interaction)
    choices = _channel_choices(list(THEMES), current, language)
    room = MAX_CHOICES - len(choices)
    if room > 0 and current.strip():
        choices += [_choice(name, code.lower()) for name, code in _countries(current, language, room)]
    return choices[:MAX_CHOICES]


async def complete_my_channel(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The channels this person joined (read from the core), else every channel."""
    service = getattr(interaction.client, "service", None)
    slugs: list[str] = []
    if service is not None:
        async with service.db.transaction() as session:
            identity = await find_identity(session, PLATFORM, str(interaction.user.id))
            if identity is not None:
                slugs = sorted(await joined_slugs(session, identity.member_id))
    if not slugs:
        return await complete_channel(interaction, current)
    return _channel_choices(slugs, current, reader_language(interaction))


def _member_language(member: Member | None, interaction: discord.Interaction) -> str:
    return (member.language if member is not None and member.language else None) or reader_language(interaction)


async def complete_event(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Upcoming events from the core (the person's own first): title in their language, time in their zone."""
    service = getattr(interaction.client, "service", None)
    if service is None:
        return []
    async with service.db.transaction() as session:
        identity = await find_identity(session, PLATFORM, str(interaction.user.id))
        member = await session.get(Member, identity.member_id) if identity is not None else None
        found = await upcoming_events(session, member.id if member else None, current[:100], MAX_CHOICES)
        language = _member_language(member, interaction)
        with use_language(language):
            return [
                _choice(f"#{event.id} {pick_text(event)[0]} — {when(event, (member.timezone if member else None) or event.timezone)}",
                        str(event.id))
                for event in found
            ]


REMINDER_PRESETS = ("1d 1h", "1d", "2h", "1h", "30m", "off")


async def complete_reminders(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Common offsets starting with what is typed; else what is typed, as it is (the core parses and checks it)."""
    typed = current.strip()[:100]
    presets = [p for p in REMINDER_PRESETS if p.startswith(typed.lower())] if typed else list(REMINDER_PRESETS)
    if typed and not presets:
        return [_choice(typed, typed)]
    return [_choice(p, p) for p in presets]


COMPLETERS: dict[str, Completer] = {
    "language": complete_language,
    "country": complete_country,
    "timezone": complete_timezone,
    "association": complete_association,
    "channel": complete_channel,
    "my_channel": complete_my_channel,
    "event": complete_event,
    "reminders": complete_reminders,
}


def core_args(options: tuple[Option, ...], values: dict[str, Any]) -> str:
    """The core's argument string: the options meant for the core, in table order."""
    parts = []
    for option in options:
        value = values.get(option.name)
        if option.to_core and value not in (None, ""):
            parts.append(str(value).strip())
    return " ".join(parts)

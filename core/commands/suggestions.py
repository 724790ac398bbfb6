"""Suggestions while someone types a command's parameter (a platform's autocomplete).

Each ``Suggest`` kind (``core.commands.parameters``) has one source: the languages, countries
and time zones we know, the channel list, the directory, the person's channels and the upcoming
events. What is suggested is only a suggestion: the command checks the value finally sent.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from core.channels import THEMES
from core.commands.parameters import Suggest
from core.db.engine import Database
from core.db.models import Member
from core.directory.search import DirectorySearch, SearchHit
from core.events.render import pick_text, when
from core.events.upcoming import upcoming_events
from core.geo.countries import country_codes, country_name, suggest_countries
from core.geo.timezones import all_zones
from core.i18n import SUPPORTED_LANGUAGES, _, language_name, use_language
from core.i18n.region import use_locale
from core.members import find_identity
from core.memberships import channel_title, joined_slugs
from core.text import fold

MAX_TYPED = 100
REMINDER_PRESETS = ("1d 1h", "1d", "2h", "1h", "30m", "off")


@dataclass(frozen=True, slots=True)
class SuggestionQuery:
    kind: Suggest
    typed: str  # what the person has typed so far
    language: str  # the reader's language (their platform's); a member's own language wins for events
    platform: str = ""
    user_id: str = ""  # the person typing, for their channels and events ("" when unknown)
    limit: int = 25


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str  # shown, in the reader's language
    value: str  # what the command reads


Source = Callable[[SuggestionQuery], Awaitable[list[Suggestion]]]


class Suggestions:
    """Answers ``SuggestionQuery``s; reads the database (one short transaction) only for the person's own values."""

    def __init__(self, db: Database | None, directory: DirectorySearch | None = None) -> None:
        self.db = db
        self.directory = directory
        self._sources: dict[Suggest, Source] = {
            Suggest.LANGUAGE: self._languages,
            Suggest.COUNTRY: self._countries,
            Suggest.TIMEZONE: self._zones,
            Suggest.ASSOCIATION: self._associations,
            Suggest.CHANNEL: self._channels,
            Suggest.MY_CHANNEL: self._my_channels,
            Suggest.EVENT: self._events,
            Suggest.REMINDERS: self._reminders,
        }

    async def suggest(self, query: SuggestionQuery) -> list[Suggestion]:
        query = replace(query, typed=query.typed[:MAX_TYPED], limit=max(0, query.limit))
        return (await self._sources[query.kind](query))[: query.limit]

    async def _languages(self, query: SuggestionQuery) -> list[Suggestion]:
        typed = fold(query.typed)
        found = []
        for code in SUPPORTED_LANGUAGES:
            names = {language_name(code), language_name(code, query.language), code}
            if not typed or any(fold(n).startswith(typed) for n in names):
                found.append(Suggestion(language_name(code), code))
        return found

    async def _countries(self, query: SuggestionQuery) -> list[Suggestion]:
        return [Suggestion(name, code) for name, code in countries(query.typed, query.language, query.limit)]

    async def _zones(self, query: SuggestionQuery) -> list[Suggestion]:
        typed = fold(query.typed).replace(" ", "_")
        if not typed:
            return []
        zones = sorted(z for z in all_zones() if typed in z.casefold())
        zones.sort(key=lambda z: not z.rsplit("/", 1)[-1].casefold().startswith(typed))  # city prefix first
        return [Suggestion(z.replace("_", " "), z) for z in zones[: query.limit]]

    async def _associations(self, query: SuggestionQuery) -> list[Suggestion]:
        typed = query.typed.strip()
        if self.directory is None or len(typed) < 2:
            return []
        results = await self.directory.search(typed, limit=query.limit)
        with use_language(query.language):
            return [
                Suggestion(f"{hit.text('name', query.language)} — {_place(hit, query.language)}", hit.name)
                for hit in results.hits
            ]

    async def _channels(self, query: SuggestionQuery) -> list[Suggestion]:
        found = channel_choices(list(THEMES), query.typed, query.language, query.limit)
        room = query.limit - len(found)
        if room > 0 and query.typed.strip():
            found += [Suggestion(name, code.lower()) for name, code in countries(query.typed, query.language, room)]
        return found

    async def _my_channels(self, query: SuggestionQuery) -> list[Suggestion]:
        slugs: list[str] = []
        if self.db is not None and query.user_id:
            async with self.db.transaction() as session:
                identity = await find_identity(session, query.platform, query.user_id)
                if identity is not None:
                    slugs = sorted(await joined_slugs(session, identity.member_id))
        if not slugs:
            return await self._channels(query)
        return channel_choices(slugs, query.typed, query.language, query.limit)

    async def _events(self, query: SuggestionQuery) -> list[Suggestion]:
        """Title in the member's language, time in their zone."""
        if self.db is None:
            return []
        async with self.db.transaction() as session:
            identity = await find_identity(session, query.platform, query.user_id) if query.user_id else None
            member = await session.get(Member, identity.member_id) if identity is not None else None
            found = await upcoming_events(session, member.id if member else None, query.typed, query.limit)
            language = (member.language if member is not None else None) or query.language
            zone = member.timezone if member is not None else None
            with use_locale(language, member.country_code if member is not None else None):
                return [Suggestion(f"#{event.id} {pick_text(event)[0]} — {when(event, zone or event.timezone)}", str(event.id))
                        for event in found]

    async def _reminders(self, query: SuggestionQuery) -> list[Suggestion]:
        """Common offsets starting with what is typed; else what is typed, as it is (the command checks it)."""
        typed = query.typed.strip()
        presets = [p for p in REMINDER_PRESETS if p.startswith(typed.lower())] if typed else list(REMINDER_PRESETS)
        if typed and not presets:
            return [Suggestion(typed, typed)]
        return [Suggestion(p, p) for p in presets]


def countries(typed: str, language: str, limit: int) -> list[tuple[str, str]]:
    """(name in the reader's language, code): names starting with what is typed (sorted), then near misses."""
    folded = fold(typed)
    named = ((country_name(c, language), c) for c in country_codes())
    if not folded:
        return sorted(named, key=lambda item: fold(item[0]))[:limit]
    found = sorted(((n, c) for n, c in named if fold(n).startswith(folded)), key=lambda item: fold(item[0]))
    seen = {code for _name, code in found}
    for match in suggest_countries(typed, limit=limit, cutoff=80):
        if match.code not in seen:
            seen.add(match.code)
            found.append((country_name(match.code, language), match.code))
    return found[:limit]


def channel_choices(slugs: list[str], typed: str, language: str, limit: int) -> list[Suggestion]:
    folded = fold(typed)
    with use_language(language):
        titled = [(channel_title(slug), slug) for slug in slugs]
    return [Suggestion(t, s) for t, s in titled if not folded or fold(t).startswith(folded) or s.startswith(folded)][:limit]


def _place(hit: SearchHit, language: str) -> str:
    """"City, Country" with the reader's list comma (Arabic ،); the country alone when there is no city."""
    city, country = hit.text("city", language), country_name(hit.country_code, language)
    return _("{city}, {country}").format(city=city, country=country) if city else country

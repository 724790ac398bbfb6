"""The entry point of the command layer, the adapters' one port into the core.

``CommandService.handle(request) -> list[Reply]`` runs a command: one request is one
transaction, so a command either happens completely or not at all. A stranger's first
contact is registered just before, in a short transaction of its own (``core.members.register``):
on SQLite the single write lock is then never held while a first command runs. Next to it, the queries
an adapter's platform extras need, each a small typed result in its own transaction: a
member's home (``home``), suggestions while typing a parameter (``suggest``), the
platform ids of event mirrors (``mirror_ids``), and an identity the platform can no longer
reach (``mark_unreachable``). The command table (``registry.commands``,
complete once this module is imported) carries each command's typed parameters, from which
adapters build their platform's forms.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from core.commands import handlers  # noqa: F401 - its modules register every command in the table
from core.commands.context import Context
from core.commands.dispatch import dispatch
from core.commands.home import MemberHome, member_home
from core.commands.mirror_ids import MirrorIds
from core.commands.registry import commands
from core.commands.suggestions import Suggestion, SuggestionQuery, Suggestions
from core.commands.throttle import Throttle, Verdict
from core.config import DEFAULT_ANNOUNCE_PER_DAY
from core.messages.types import Reply, Request
from core.db.engine import Database
from core.db.models import Identity, Member
from core.directory.search import DirectorySearch
from core.i18n import DEFAULT_LANGUAGE, _, is_rtl, language_from_locale, use_language
from core.i18n.region import use_locale
from core.members import get_or_create_identity, known_identity, mark_unreachable, register

log = logging.getLogger(__name__)


class CommandService:
    def __init__(self, db: Database, directory: DirectorySearch | None = None, throttle: Throttle | None = None,
                 announce_per_day: int = DEFAULT_ANNOUNCE_PER_DAY) -> None:
        self.db = db
        self.announce_per_day = announce_per_day  # ALUMNI_ANNOUNCE_PER_DAY
        self.directory = directory or DirectorySearch(db)
        self.throttle = throttle  # None: no command limits (tests, the command line)
        self.suggestions = Suggestions(db, self.directory)
        self.mirror_ids = MirrorIds(db)

    async def handle(self, request: Request) -> list[Reply]:
        guessed = language_from_locale(request.sender.locale) or DEFAULT_LANGUAGE
        if self.throttle is not None and (verdict := self.throttle.check(request)) is not Verdict.HANDLE:
            return [] if verdict is Verdict.DROP else [self.throttle.notice(request, verdict, guessed)]
        sender = request.sender
        try:
            async with self.db.transaction() as session:
                found = await known_identity(session, sender.platform, sender.user_id, sender.display_name,
                                             sender.locale)
                if found is not None:
                    return await self._run(session, request, *found, created=False, guessed=guessed)
            # A stranger: registered in a short transaction of its own, then the command in the request's own.
            registered = await register(self.db, sender.platform, sender.user_id, sender.display_name,
                                        sender.locale, sender.timezone)
            async with self.db.transaction() as session:
                if registered is not None:
                    session.add_all(registered)  # the rows just written: no need to read them back
                    identity, member, created = *registered, True
                else:  # another of their messages registered them first
                    identity, member, created = await get_or_create_identity(
                        session, sender.platform, sender.user_id, sender.display_name, sender.locale, sender.timezone)
                return await self._run(session, request, identity, member, created=created, guessed=guessed)
        except PoolTimeout:
            # Every pooled connection stayed busy for the whole pool timeout: a burst, not an outage.
            log.warning("no free database connection for a %s request (pool timeout)", request.sender.platform)
            with use_language(guessed) as language:
                return [Reply(_("Many people are writing to me right now. Please try again shortly."), language=language,
                              rtl=is_rtl(language))]
        except (OperationalError, DBAPIError) as error:
            if not getattr(error, "connection_invalidated", False) and not isinstance(error, OperationalError):
                raise
            log.warning("database unavailable while handling a %s request: %s", request.sender.platform, type(error).__name__)
            with use_language(guessed) as language:
                return [Reply(_("I can't reach my database right now. Please try again in a moment."), language=language, rtl=is_rtl(language))]

    async def _run(self, session: AsyncSession, request: Request, identity: Identity, member: Member,
                   created: bool, guessed: str) -> list[Reply]:
        """The command itself, in the request's transaction, in the member's language (formats: and country)."""
        with use_locale(member.language or guessed, member.country_code):
            ctx = Context(session, request, identity, member, self.directory, is_new=created,
                          announce_per_day=self.announce_per_day)
            await dispatch(ctx)
            if self.throttle is not None:
                self.throttle.remember_language(request, ctx.member.language or guessed)
            return ctx.replies

    def over_limit(self, request: Request) -> bool:
        """True when the command limits would drop this request: adapters then skip their own platform calls."""
        return self.throttle is not None and self.throttle.over_limit(request)

    def command_names(self) -> list[str]:
        return [name for name, spec in commands().items() if spec.listed]

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        """(name, one-line description) in the given language, for help and platform menus."""
        with use_language(language):
            return [(name, _(spec.description)) for name, spec in commands().items() if spec.listed]

    async def home(self, platform: str, user_id: str, locale: str | None = None) -> MemberHome:
        """A member's home: profile, channels, upcoming events and reminders, with their buttons."""
        return await member_home(self.db, platform, user_id, locale)

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        """The platform says this identity can no longer be written to (blocked the bot, deleted):
        recorded until the person writes again, so nothing more is planned for it."""
        async with self.db.transaction() as session:
            await mark_unreachable(session, platform, user_id)

    async def suggest(self, query: SuggestionQuery) -> list[Suggestion]:
        """Values to offer while someone types a parameter (``Param.suggest``): suggestions only."""
        return await self.suggestions.suggest(query)

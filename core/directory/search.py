"""Directory search for the chat commands: accent-, case- and typo-tolerant, in every language.

Relevance comes first (see ``index``): the city or country named outranks names that merely
contain the word, and near misses are offered only when nothing matches outright.

Each process keeps one ``DirectoryIndex`` built from the database and rebuilds it when the
``DirectoryRevision`` counter moves. The counter is read at most every ``check_interval``
seconds (an import in this same process is seen at once), so a search is normally pure
in-memory work. A rebuild reads the rows in slices and builds in a thread, then swaps the new
index in with one assignment: a search sees the old index or the new one, never a part of either.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.models import Association

from .index import Contact, DirectoryIndex, Entry, shown_contact
from .revision import local_changes, read_revision
from .translations import Translations, localized


READ_SLICE = 2000  # rows converted between two turns of the event loop while an index is rebuilt
_ROWS = select(
    Association.id, Association.name, Association.country_code, Association.city, Association.website,
    Association.email, Association.languages, Association.themes, Association.description,
    Association.contact_name, Association.contact_email, Association.contact_phone, Association.contact_consent,
    Association.translations,
)


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: int
    name: str
    country_code: str
    city: str
    website: str
    email: str
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    description: str
    rank: int  # 0 exact, 1 prefix, 2 fuzzy (the weakest match among the query's words)
    score: float  # 0..100, mean similarity of the query's words
    contact: Contact | None = None  # only a contact person who consented
    translations: Translations | None = None  # the name, city and description in other languages

    def text(self, field: str, reader: str) -> str:
        """``name``, ``city`` or ``description`` in the reader's language, with the fallback of ``translations``."""
        return localized(self.translations, field, getattr(self, field), reader, self.languages)


@dataclass(frozen=True, slots=True)
class SearchResults:
    total: int
    hits: list[SearchHit]


class DirectorySearch:
    """The process's search index, checked against the revision counter and swapped whole when it moved.

    A search never waits for another one: while one request checks the counter or rebuilds, the
    others are answered from the index in place (the old one until the new one is complete).
    """

    def __init__(self, db: Database, *, check_interval: float = 0.25) -> None:
        self.db = db
        self.check_interval = check_interval
        self._index: DirectoryIndex | None = None
        self._checked_at = float("-inf")
        self._seen_local = -1
        self._lock = asyncio.Lock()

    async def search(
        self, query: str, *, country: str | None = None, theme: str | None = None, limit: int = 10, offset: int = 0,
        session: AsyncSession | None = None,
    ) -> SearchResults:
        """One page of results. ``session``: the caller's open session, if it holds one (see ``index``)."""
        index = await self.index(session)
        total, page = index.search(query, country=country, theme=theme, limit=max(0, limit), offset=max(0, offset))
        hits = []
        for doc, rank, score in page:
            e = index.entries[doc]
            hits.append(SearchHit(e.id, e.name, e.country_code, e.city, e.website, e.email, e.languages, e.themes, e.description,
                                  rank, score, e.contact, e.translations))
        return SearchResults(total=total, hits=hits)

    async def index(self, session: AsyncSession | None = None) -> DirectoryIndex:
        """The current index, re-checking the revision when due and rebuilding when it moved.

        A caller that holds a session passes it: the check and the rebuild read through it, so a
        request never holds one pooled connection while it waits for a second one (twenty searches
        at once used to take the whole pool and wait on each other). Without one, a short
        transaction of our own is opened *before* taking the lock: whoever holds the lock already
        has its connection, so searches waiting for the lock never wait for it to get one.
        """
        current = self._index
        if current is not None and (not self._due() or self._lock.locked()):
            return current  # someone is checking or rebuilding: the index in place answers meanwhile
        if session is None:
            async with self.db.transaction() as own:
                return await self._checked(own)
        return await self._checked(session)

    async def _checked(self, session: AsyncSession) -> DirectoryIndex:
        await session.connection()  # a session takes its connection lazily: take it before the lock
        async with self._lock:
            if self._index is not None and not self._due():
                return self._index
            seen_local = local_changes()
            self._index = await self._refreshed(session, self._index)  # one assignment: the swap
            self._checked_at = time.monotonic()
            self._seen_local = seen_local
            return self._index

    def _due(self) -> bool:
        return local_changes() != self._seen_local or time.monotonic() - self._checked_at >= self.check_interval

    async def _refreshed(self, session: AsyncSession, current: DirectoryIndex | None) -> DirectoryIndex:
        """``current`` if the revision did not move, else a complete new index (swapped in by the caller)."""
        revision = await read_revision(session)
        if current is not None and revision == current.revision:
            return current
        # The revision is read before the rows: an import committed in between makes the index
        # newer than its label, never older, and the next check builds again.
        entries = await _entries(session)
        # Building takes ~2 s for 100,000 rows (bench_directory); a thread keeps the event loop answering meanwhile.
        return await asyncio.to_thread(DirectoryIndex, entries, revision)


async def _entries(session: AsyncSession) -> list[Entry]:
    """Every association, read as one statement (one snapshot) but in slices.

    Converting a large directory's rows at once would hold the event loop for seconds; between
    two slices other requests run.
    """
    entries: list[Entry] = []
    result = await session.stream(_ROWS)
    async for rows in result.partitions(READ_SLICE):
        entries.extend(
            Entry(r.id, r.name, r.country_code, r.city, r.website, r.email, tuple(r.languages or ()), tuple(r.themes or ()),
                  r.description, shown_contact(r.contact_name, r.contact_email, r.contact_phone, r.contact_consent),
                  r.translations or None)
            for r in rows
        )
    return entries

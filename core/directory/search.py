"""Directory search for the chat commands: accent-, case- and typo-tolerant, in every language.

Each process keeps one ``DirectoryIndex`` built from the database and rebuilds it when the
``DirectoryRevision`` counter moves. The counter is read at most every ``check_interval``
seconds (an import in this same process is seen at once), so a search is normally pure
in-memory work.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import select

from core.db.engine import Database
from core.db.models import Association

from .index import Contact, DirectoryIndex, Entry, shown_contact
from .revision import local_changes, read_revision


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


@dataclass(frozen=True, slots=True)
class SearchResults:
    total: int
    hits: list[SearchHit]


class DirectorySearch:
    def __init__(self, db: Database, *, check_interval: float = 0.25) -> None:
        self.db = db
        self.check_interval = check_interval
        self._index: DirectoryIndex | None = None
        self._checked_at = float("-inf")
        self._seen_local = -1
        self._lock = asyncio.Lock()

    async def search(
        self, query: str, *, country: str | None = None, theme: str | None = None, limit: int = 10, offset: int = 0
    ) -> SearchResults:
        index = await self.index()
        total, page = index.search(query, country=country, theme=theme, limit=max(0, limit), offset=max(0, offset))
        hits = []
        for doc, rank, score in page:
            e = index.entries[doc]
            hits.append(SearchHit(e.id, e.name, e.country_code, e.city, e.website, e.email, e.languages, e.themes, e.description,
                                  rank, score, e.contact))
        return SearchResults(total=total, hits=hits)

    async def index(self) -> DirectoryIndex:
        """The current index, re-checking the revision when due and rebuilding when it moved."""
        if self._index is not None and not self._due():
            return self._index
        async with self._lock:
            if self._index is not None and not self._due():
                return self._index
            seen_local = local_changes()
            async with self.db.engine.connect() as connection:
                revision = await read_revision(connection)
            if self._index is None or revision != self._index.revision:
                self._index = await self._build(revision)
            self._checked_at = time.monotonic()
            self._seen_local = seen_local
            return self._index

    def _due(self) -> bool:
        return local_changes() != self._seen_local or time.monotonic() - self._checked_at >= self.check_interval

    async def _build(self, revision: int) -> DirectoryIndex:
        async with self.db.transaction() as session:
            # Read the rows and the revision together, so the index is labelled with the revision it reflects.
            revision = await read_revision(session)
            rows = await session.execute(
                select(
                    Association.id, Association.name, Association.country_code, Association.city, Association.website,
                    Association.email, Association.languages, Association.themes, Association.description,
                    Association.contact_name, Association.contact_email, Association.contact_phone,
                    Association.contact_consent,
                )
            )
            entries = [
                Entry(r.id, r.name, r.country_code, r.city, r.website, r.email, tuple(r.languages or ()), tuple(r.themes or ()),
                      r.description, shown_contact(r.contact_name, r.contact_email, r.contact_phone, r.contact_consent))
                for r in rows
            ]
        # Building takes ~1 s for 10,000 rows; a thread keeps the event loop answering meanwhile.
        return await asyncio.to_thread(DirectoryIndex, entries, revision)

"""Turning an outbox row into the Reply to send.

A row either carries its reply already rendered (``payload["reply"]``: announcements,
notices) or names a renderer (``payload["render"]``) that builds it at send time from
the current state (reminders: the event may have moved, the member changed language).
A renderer returns None when the push no longer makes sense; the row is then skipped.

A renderer may also carry a last check (``last_check``), run just before the row's first
message goes on the wire: a row claimed and rendered, then kept waiting for its slot in the
platform's limits, is dropped (skipped) if it stopped making sense meanwhile (a cancelled
announcement). Rows without such a check cost nothing there.

A renderer whose reply does not depend on the recipient (an announcement: one text per reader
language, not per person) names a ``shared`` key: rows with equal keys, rendered within
``SHARED_FOR`` seconds of each other in one process, get the same reply, rendered once. A
renderer whose text names or depends on the person (a reminder) has no key and renders every
row. The key is taken with the language the row is rendered in.

Which renderers exist is not known here: the composition root hands the features' list
(``core.features.RENDERERS``) to the dispatcher as a ``Renderers`` table.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.models import Delivery
from core.delivery.payload import reply_from_json
from core.messages.types import Reply

Render = Callable[[AsyncSession, Delivery], Awaitable[Reply | None]]
Check = Callable[[AsyncSession, Delivery], Awaitable[bool]]
SharedKey = Callable[[Delivery], Hashable | None]
SHARED_FOR = 1.0  # seconds a shared rendering is reused (the last check still runs before each send)
SHARED_MOST = 1000  # cached renderings before the stale ones are dropped


@dataclass(frozen=True, slots=True)
class Renderer:
    """``member_language``: the dispatcher looks up the recipient's language and renders in it;
    False for rows that carry their language (no database round trip per row).
    ``shared``: the key of rows that get the same reply (None for a row: render it alone)."""

    name: str
    render: Render
    member_language: bool = True
    last_check: Check | None = None
    shared: SharedKey | None = None


class UnknownRenderer(LookupError):
    pass


class Renderers:
    """The renderers one dispatcher knows, by name."""

    def __init__(self, renderers: Iterable[Renderer] = (), clock: Callable[[], float] = time.monotonic) -> None:
        self._by_name = {renderer.name: renderer for renderer in renderers}
        self._clock = clock
        self._shared: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_name.values())

    def needs_member_language(self, delivery: Delivery) -> bool:
        if delivery.member_id is None:
            return False
        renderer = self._by_name.get(delivery.payload.get("render") or "")
        return renderer is None or renderer.member_language

    async def render(self, session: AsyncSession, delivery: Delivery) -> Reply | None:
        payload = delivery.payload
        if "reply" in payload:
            return reply_from_json(payload["reply"])
        name = payload.get("render")
        renderer = self._by_name.get(name or "")
        if renderer is None:
            raise UnknownRenderer(name)
        return await renderer.render(session, delivery)

    def shared_key(self, delivery: Delivery, language: str | None, country: str | None) -> Hashable | None:
        """The key of the rendering this row shares with others (None: it is rendered alone)."""
        renderer = self._by_name.get(delivery.payload.get("render") or "")
        if renderer is None or renderer.shared is None:
            return None
        key = renderer.shared(delivery)
        return None if key is None else (renderer.name, language, country, key)

    async def render_once(self, key: Hashable, make: Callable[[], Awaitable[Reply | None]]) -> Reply | None:
        """``make()``'s reply, made once for every row of ``key`` within ``SHARED_FOR`` seconds
        (rows arriving while it is being made wait for it). A failure is not kept: it is raised to
        the rows waiting for it, and the next row tries again."""
        return await self._once(("render", key), make)  # type: ignore[no-any-return]

    async def _once(self, key: Hashable, make: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock()
        known = self._shared.get(key)
        if known is not None and now - known[0] < SHARED_FOR:
            return await asyncio.shield(known[1])
        if len(self._shared) >= SHARED_MOST:
            self._shared = {k: v for k, v in self._shared.items() if now - v[0] < SHARED_FOR}
        made: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._shared[key] = (now, made)
        try:
            made.set_result(await make())
        except BaseException as error:
            if self._shared.get(key, (0.0, None))[1] is made:
                del self._shared[key]
            if isinstance(error, Exception):
                made.set_exception(error)
                made.exception()  # retrieved: only the rows waiting for it see it
            else:
                made.cancel()
            raise
        return made.result()

    async def still_wanted(self, db: Database, delivery: Delivery) -> bool:
        """False when the row's last check says it must not go out any more (no check: True).

        Rows sharing a rendering share its last check too, for ``SHARED_FOR`` seconds: one
        answer per announcement and language a second, not a session per recipient."""
        renderer = self._by_name.get(delivery.payload.get("render") or "")
        if renderer is None or renderer.last_check is None:
            return True
        check = renderer.last_check

        async def ask() -> bool:
            async with db.sessions() as session:
                return await check(session, delivery)

        key = None if renderer.shared is None else renderer.shared(delivery)
        if key is None:
            return await ask()
        return bool(await self._once(("last check", renderer.name, key), ask))

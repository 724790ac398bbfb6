"""Turning an outbox row into the Reply to send.

A row either carries its reply already rendered (``payload["reply"]``: announcements,
notices) or names a renderer (``payload["render"]``) that builds it at send time from
the current state (reminders: the event may have moved, the member changed language).
A renderer returns None when the push no longer makes sense; the row is then skipped.

A renderer may also carry a last check (``last_check``), run just before the row's first
message goes on the wire: a row claimed and rendered, then kept waiting for its slot in the
platform's limits, is dropped (skipped) if it stopped making sense meanwhile (a cancelled
announcement). Rows without such a check cost nothing there.

Which renderers exist is not known here: the composition root hands the features' list
(``core.features.RENDERERS``) to the dispatcher as a ``Renderers`` table.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.models import Delivery
from core.delivery.payload import reply_from_json
from core.messages.types import Reply

Render = Callable[[AsyncSession, Delivery], Awaitable[Reply | None]]
Check = Callable[[AsyncSession, Delivery], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Renderer:
    """``member_language``: the dispatcher looks up the recipient's language and renders in it;
    False for rows that carry their language (no database round trip per row)."""

    name: str
    render: Render
    member_language: bool = True
    last_check: Check | None = None


class UnknownRenderer(LookupError):
    pass


class Renderers:
    """The renderers one dispatcher knows, by name."""

    def __init__(self, renderers: Iterable[Renderer] = ()) -> None:
        self._by_name = {renderer.name: renderer for renderer in renderers}

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

    async def still_wanted(self, db: Database, delivery: Delivery) -> bool:
        """False when the row's last check says it must not go out any more (no check: True)."""
        renderer = self._by_name.get(delivery.payload.get("render") or "")
        if renderer is None or renderer.last_check is None:
            return True
        async with db.sessions() as session:
            return await renderer.last_check(session, delivery)

"""Turning an outbox row into the Reply to send.

A row either carries its reply already rendered (``payload["reply"]``: announcements,
notices) or names a renderer (``payload["render"]``) that builds it at send time from
the current state (reminders: the event may have moved, the member changed language).
A renderer returns None when the push no longer makes sense; the row is then skipped.

A renderer may also register a last check (``last_check``), run just before the row's first
message goes on the wire: a row claimed and rendered, then kept waiting for its slot in the
platform's limits, is dropped (skipped) if it stopped making sense meanwhile (a cancelled
announcement). Rows without such a check cost nothing there.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import Reply
from core.db.engine import Database
from core.db.models import Delivery
from core.delivery.payload import reply_from_json

Renderer = Callable[[AsyncSession, Delivery], Awaitable[Reply | None]]
Check = Callable[[AsyncSession, Delivery], Awaitable[bool]]
_RENDERERS: dict[str, Renderer] = {}
_CHECKS: dict[str, Check] = {}
_OWN_LANGUAGE: set[str] = set()


def renderer(name: str, *, member_language: bool = True) -> Callable[[Renderer], Renderer]:
    """Register ``name``. ``member_language``: the dispatcher looks up the recipient's language and
    renders in it; False for rows that carry their language (no database round trip per row)."""
    def register(function: Renderer) -> Renderer:
        _RENDERERS[name] = function
        if not member_language:
            _OWN_LANGUAGE.add(name)
        return function

    return register


def needs_member_language(delivery: Delivery) -> bool:
    return delivery.member_id is not None and delivery.payload.get("render") not in _OWN_LANGUAGE


class UnknownRenderer(LookupError):
    pass


async def render_delivery(session: AsyncSession, delivery: Delivery) -> Reply | None:
    payload = delivery.payload
    if "reply" in payload:
        return reply_from_json(payload["reply"])
    name = payload.get("render")
    function = _RENDERERS.get(name or "")
    if function is None:
        raise UnknownRenderer(name)
    return await function(session, delivery)


def last_check(name: str) -> Callable[[Check], Check]:
    """Register the check run before the first message of a row rendered by ``name`` goes out."""
    def register(function: Check) -> Check:
        _CHECKS[name] = function
        return function

    return register


async def still_wanted(db: Database, delivery: Delivery) -> bool:
    """False when the row's last check says it must not go out any more (no check: True)."""
    check = _CHECKS.get(delivery.payload.get("render") or "")
    if check is None:
        return True
    async with db.sessions() as session:
        return await check(session, delivery)

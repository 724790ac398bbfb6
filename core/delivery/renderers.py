"""Turning an outbox row into the Reply to send.

A row either carries its reply already rendered (``payload["reply"]``: announcements,
notices) or names a renderer (``payload["render"]``) that builds it at send time from
the current state (reminders: the event may have moved, the member changed language).
A renderer returns None when the push no longer makes sense; the row is then skipped.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from core.commands.types import Reply
from core.db.models import Delivery
from core.delivery.payload import reply_from_json

Renderer = Callable[[AsyncSession, Delivery], Awaitable[Reply | None]]
_RENDERERS: dict[str, Renderer] = {}


def renderer(name: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _RENDERERS[name] = function
        return function

    return register


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

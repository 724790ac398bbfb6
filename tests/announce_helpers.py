"""Shared set-up for the announcement tests: members, identities, channels, rows."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import Actor
from core.db.engine import Database
from core.announcements import sending as _sending  # noqa: F401 - the "announcement" renderer
from core.db.models import Channel, Delivery, Identity, Member
from core.delivery.payload import reply_to_json
from core.features import render_delivery
from core.members import get_or_create_identity
from core.memberships import join
from core.roles import grant_role


async def person(
    session: AsyncSession,
    platform: str,
    user_id: str,
    *,
    language: str | None = None,
    locale: str | None = None,
    channels: tuple[str, ...] = (),
    role: str | None = None,
    country: str | None = None,
    name: str | None = None,
) -> Member:
    """A member with one identity, a language, channels joined and maybe a role."""
    _identity, member, _created = await get_or_create_identity(session, platform, user_id, name, locale)
    member.language = language
    for slug in channels:
        channel = await session.scalar(select(Channel).where(Channel.slug == slug))
        assert channel is not None
        await join(session, member.id, channel)
    if role:
        await grant_role(session, member.id, role, country, actor=Actor.command_line())
    await session.flush()
    return member


async def add_identity(session: AsyncSession, member: Member, platform: str, user_id: str) -> Identity:
    identity = Identity(member_id=member.id, platform=platform, user_id=user_id)
    session.add(identity)
    await session.flush()
    return identity


async def channel(session: AsyncSession, slug: str) -> Channel:
    found = await session.scalar(select(Channel).where(Channel.slug == slug))
    assert found is not None
    return found


async def rows(db: Database, kind: str = "announcement") -> list[Delivery]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id)))


async def by_target(db: Database, kind: str = "announcement") -> dict[str, dict[str, Any]]:
    """target -> the reply JSON each row renders to now, as a bot process would send it."""
    found: dict[str, dict[str, Any]] = {}
    async with db.sessions() as session:
        for delivery in await rows(db, kind):
            reply = await render_delivery(session, delivery)
            assert reply is not None, delivery.key
            found[delivery.target] = reply_to_json(reply)
    return found

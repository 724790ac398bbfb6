"""Who may announce where: an ambassador to the channels of the countries they represent,
an administrator to any channel. Refusals are logged (who and which channel, never the text)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.db.models import Channel, RoleGrant
from core.roles import ADMINISTRATOR, AMBASSADOR, ambassador_countries, is_administrator

log = logging.getLogger(__name__)


def announce_right(member_id: Any) -> ColumnElement[bool]:
    """The rule as one SQL condition on ``Channel`` (for the row being sent: one query, no round trips).

    ``member_id`` is a value or a column (``Announcement.sender_id``)."""
    administrator = exists().where(RoleGrant.member_id == member_id, RoleGrant.role == ADMINISTRATOR)
    ambassador = exists().where(
        RoleGrant.member_id == member_id, RoleGrant.role == AMBASSADOR, RoleGrant.country_code == Channel.country_code
    )
    return or_(administrator, and_(Channel.kind == "country", Channel.country_code.is_not(None), ambassador))


async def may_announce(session: AsyncSession, member_id: int, channel: Channel) -> bool:
    allowed = await session.scalar(select(announce_right(member_id)).where(Channel.id == channel.id))
    return bool(allowed)


async def may_announce_somewhere(session: AsyncSession, member_id: int) -> bool:
    return await is_administrator(session, member_id) or bool(await ambassador_countries(session, member_id))


async def ambassador_channels(session: AsyncSession, member_id: int) -> list[Channel]:
    """The country channels of the countries a member represents (the choice offered in chat)."""
    codes = [code.lower() for code in await ambassador_countries(session, member_id)]
    if not codes:
        return []
    return list(await session.scalars(select(Channel).where(Channel.slug.in_(codes)).order_by(Channel.slug)))


def log_refusal(member_id: int | None, platform: str, channel_slug: str | None) -> None:
    log.warning(
        "announcement refused: member %s (%s) has no right to announce to channel %s",
        member_id, platform, channel_slug or "(any)",
    )

"""Who may announce where: an ambassador to the channels of the countries they represent,
an administrator to any channel. Refusals are logged (who and which channel, never the text)."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Channel
from core.roles import ambassador_countries, is_administrator, is_ambassador_for

log = logging.getLogger(__name__)


async def may_announce(session: AsyncSession, member_id: int, channel: Channel) -> bool:
    if await is_administrator(session, member_id):
        return True
    if channel.kind != "country" or not channel.country_code:
        return False
    return await is_ambassador_for(session, member_id, channel.country_code)


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

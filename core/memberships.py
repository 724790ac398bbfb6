"""Channels people join: resolving a channel from what someone typed, joining, leaving."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.channels import THEMES
from core.db.models import BINDING_APPROVED, Channel, ChannelBinding, Membership
from core.geo.countries import country_name, suggest_countries
from core.i18n import SUPPORTED_LANGUAGES, _, use_language
from core.text import fold


@dataclass(frozen=True, slots=True)
class ChannelLookup:
    slug: str | None  # the channel meant, when sure
    suggestions: tuple[str, ...] = ()  # slugs to offer otherwise


def channel_title(slug: str) -> str:
    """A channel's name in the reader's language: the country's name or the theme's title."""
    if slug in THEMES:
        return _(THEMES[slug])
    return country_name(slug.upper())


@lru_cache(maxsize=1)
def _theme_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for slug, title in THEMES.items():
        names[fold(slug)] = slug
        for language in SUPPORTED_LANGUAGES:
            with use_language(language):
                names.setdefault(fold(_(title)), slug)
    return names


def resolve_channel(text: str) -> ChannelLookup:
    """"tn", "Tunisie", "تونس", "health", "Santé", "sante" -> the slug; a near miss -> suggestions."""
    folded = fold(text.lstrip("#"))
    if not folded:
        return ChannelLookup(None)
    themes = _theme_names()
    if folded in themes:
        return ChannelLookup(themes[folded])
    countries = suggest_countries(text.lstrip("#"), limit=3)
    if countries and countries[0].exact:
        return ChannelLookup(countries[0].code.lower())
    suggestions = [m.code.lower() for m in countries]
    for name, _score, _index in process.extract(folded, list(themes), scorer=fuzz.WRatio, limit=2, score_cutoff=80):
        if themes[name] not in suggestions:
            suggestions.append(themes[name])
    return ChannelLookup(None, tuple(suggestions[:3]))


async def channel_by_slug(session: AsyncSession, slug: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.slug == slug))


async def joined_slugs(session: AsyncSession, member_id: int) -> set[str]:
    rows = await session.scalars(
        select(Channel.slug).join(Membership, Membership.channel_id == Channel.id).where(Membership.member_id == member_id)
    )
    return set(rows)


async def join(session: AsyncSession, member_id: int, channel: Channel) -> bool:
    """Join a channel; False when already a member (nothing changes)."""
    existing = await session.get(Membership, (member_id, channel.id))
    if existing is not None:
        if existing.muted:
            existing.muted = False
            return True
        return False
    session.add(Membership(member_id=member_id, channel_id=channel.id))
    await session.flush()
    return True


async def leave(session: AsyncSession, member_id: int, channel: Channel) -> bool:
    result = await session.execute(
        delete(Membership).where(Membership.member_id == member_id, Membership.channel_id == channel.id)
    )
    return bool(result.rowcount)


async def bindings_on(session: AsyncSession, channel: Channel, platform: str) -> list[ChannelBinding]:
    """The approved bindings of a channel on one platform: a pending one hands out no access."""
    return list(
        await session.scalars(
            select(ChannelBinding).where(
                ChannelBinding.channel_id == channel.id, ChannelBinding.platform == platform,
                ChannelBinding.status == BINDING_APPROVED,
            )
        )
    )


async def member_count(session: AsyncSession, channel: Channel) -> int:
    return int(await session.scalar(select(func.count()).select_from(Membership).where(Membership.channel_id == channel.id)) or 0)

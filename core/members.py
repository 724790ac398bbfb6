"""Members and their chat identities."""
from __future__ import annotations

import re

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Identity, Member
from core.db.types import utcnow
from core.geo.timezones import all_zones
from core.text import clean_line

# A platform locale as platforms write it ("fr", "pt-BR", "zh_Hant_TW"); anything else is not kept.
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")


def is_known_zone(name: str) -> bool:
    """A platform's zone name we accept as a member's zone ("Europe/Paris", not "UTC+2" or junk)."""
    return name in all_zones()


async def find_identity(session: AsyncSession, platform: str, user_id: str) -> Identity | None:
    return await session.scalar(select(Identity).where(Identity.platform == platform, Identity.user_id == user_id))


# Built once: this runs at the start of every request, and SQLAlchemy memoizes a
# statement's cache key on the statement object.
_IDENTITY_AND_MEMBER = (
    select(Identity, Member)
    .join(Member, Member.id == Identity.member_id)
    .where(Identity.platform == bindparam("platform"), Identity.user_id == bindparam("user_id"))
)


async def get_or_create_identity(
    session: AsyncSession,
    platform: str,
    user_id: str,
    display_name: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
) -> tuple[Identity, Member, bool]:
    """The identity and its member, created on first contact. Returns (identity, member, created).

    ``timezone`` (the platform's zone for this person) is kept only for a new member, and only
    when it is a known IANA zone: an existing member's choice is never overwritten.

    Two updates from a new user can race; the unique (platform, user_id) constraint
    decides, and the loser reads the winner's row.
    """
    # Both come from the person's platform profile, so they are user-controlled: a name keeps
    # no control or bidi character (and no NUL, which PostgreSQL refuses), a locale must look like one.
    display_name = clean_line(display_name or "", 200)
    locale = locale if locale and len(locale) <= 20 and _LOCALE.fullmatch(locale) else None
    # One round trip for both rows: this runs at the start of every request.
    row = (await session.execute(_IDENTITY_AND_MEMBER, {"platform": platform, "user_id": user_id})).first()
    identity, member = (row[0], row[1]) if row else (None, None)
    created = False
    if identity is None:
        try:
            async with session.begin_nested():
                member = Member(timezone=timezone if timezone and is_known_zone(timezone) else None)
                session.add(member)
                await session.flush()
                # name and locale go in with the row: a first contact writes it once
                identity = Identity(member_id=member.id, platform=platform, user_id=user_id,
                                    display_name=display_name or None, platform_locale=locale)
                session.add(identity)
                await session.flush()
                created = True
        except IntegrityError:
            identity = await find_identity(session, platform, user_id)
            assert identity is not None
            member = None
    if display_name and identity.display_name != display_name:
        identity.display_name = display_name
    if locale and identity.platform_locale != locale:
        identity.platform_locale = locale
    if identity.unreachable_since is not None:
        identity.unreachable_since = None  # they wrote to us: reachable again
    if member is None or member.id != identity.member_id:
        member = await session.get(Member, identity.member_id)
    assert member is not None
    return identity, member, created


async def mark_unreachable(session: AsyncSession, platform: str, user_id: str) -> bool:
    """The platform says we can no longer write to this identity (blocked, deleted)."""
    result = await session.execute(
        update(Identity)
        .where(Identity.platform == platform, Identity.user_id == user_id, Identity.unreachable_since.is_(None))
        .values(unreachable_since=utcnow())
    )
    return bool(result.rowcount)

"""Members and their chat identities."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from core.db.engine import Database
from core.db.models import Base, Identity, Member
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


def _profile(display_name: str | None, locale: str | None) -> tuple[str | None, str | None]:
    """The platform's name and locale as we keep them. Both come from the person's platform profile, so
    they are user-controlled: a name keeps no control or bidi character (and no NUL, which PostgreSQL
    refuses), a locale must look like one."""
    name = clean_line(display_name or "", 200) or None
    return name, locale if locale and len(locale) <= 20 and _LOCALE.fullmatch(locale) else None


async def known_identity(
    session: AsyncSession, platform: str, user_id: str, display_name: str | None = None, locale: str | None = None,
) -> tuple[Identity, Member] | None:
    """The identity and its member, brought up to date with the platform's profile; None for a stranger.

    One round trip when nothing changed: this runs at the start of every request."""
    display_name, locale = _profile(display_name, locale)
    row = (await session.execute(_IDENTITY_AND_MEMBER, {"platform": platform, "user_id": user_id})).first()
    if row is None:
        return None
    identity, member = row[0], row[1]
    if display_name and identity.display_name != display_name:
        identity.display_name = display_name
    if locale and identity.platform_locale != locale:
        identity.platform_locale = locale
    if identity.unreachable_since is not None:
        identity.unreachable_since = None  # they wrote to us: reachable again
    return identity, member


# Built once, values bound at execution: compiled once per process, not once per new member.
# RETURNING every column: the rows as stored (defaults included) are handed over with no read.
_INSERT_MEMBER = insert(Member).returning(*Member.__table__.columns)
_INSERT_IDENTITY = insert(Identity).returning(*Identity.__table__.columns)


def _detached(model: type[Base], row: Row[Any]) -> Any:
    """The ORM object of a row just written, detached: ``session.add`` makes it persistent with no read."""
    found = model(**{column.key: row._mapping[column.columns[0]] for column in inspect(model).column_attrs})
    make_transient_to_detached(found)
    return found


def _insert_identity(
    connection: Connection, platform: str, user_id: str, display_name: str | None, locale: str | None,
    timezone: str | None,
) -> tuple[Identity, Member]:
    """A new member and its identity, name and locale in the row (written once), returned as stored.
    Two first messages of one person can race: the unique (platform, user_id) constraint decides
    (IntegrityError)."""
    now = utcnow()
    zone = timezone if timezone and is_known_zone(timezone) else None
    member = connection.execute(_INSERT_MEMBER, {"timezone": zone, "created_at": now, "updated_at": now}).one()
    identity = connection.execute(_INSERT_IDENTITY, {
        "member_id": member.id, "platform": platform, "user_id": user_id, "display_name": display_name,
        "platform_locale": locale, "created_at": now}).one()
    return _detached(Identity, identity), _detached(Member, member)


async def register(
    db: Database, platform: str, user_id: str, display_name: str | None = None, locale: str | None = None,
    timezone: str | None = None,
) -> tuple[Identity, Member] | None:
    """A stranger's first contact, committed at once in a transaction of its own (``Database.write_at_once``):
    on SQLite the single write lock is then not held while their first command runs. Returns the new
    identity and member, detached (``session.add`` them to use them in a transaction, with no read),
    or None when they existed already (another of their messages came first: nothing written).

    ``timezone`` (the platform's zone for this person) is kept only when it is a known IANA zone."""
    display_name, locale = _profile(display_name, locale)
    try:
        return await db.write_at_once(_insert_identity, platform, user_id, display_name, locale, timezone)
    except IntegrityError:
        return None


async def get_or_create_identity(
    session: AsyncSession,
    platform: str,
    user_id: str,
    display_name: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
) -> tuple[Identity, Member, bool]:
    """The identity and its member, created in ``session`` on first contact. Returns (identity, member, created).

    ``timezone`` is kept only for a new member (see ``register``): an existing member's choice is
    never overwritten. A request registers a stranger with ``register`` instead, outside its transaction.
    """
    found = await known_identity(session, platform, user_id, display_name, locale)
    created = False
    if found is None:
        name, cleaned = _profile(display_name, locale)
        try:
            async with session.begin_nested():  # a lost race undoes only this
                await session.run_sync(
                    lambda sync: _insert_identity(sync.connection(), platform, user_id, name, cleaned, timezone))
            created = True
        except IntegrityError:
            pass
        found = await known_identity(session, platform, user_id, display_name, locale)
        assert found is not None
    identity, member = found
    return identity, member, created


async def mark_unreachable(session: AsyncSession, platform: str, user_id: str) -> bool:
    """The platform says we can no longer write to this identity (blocked, deleted)."""
    result = await session.execute(
        update(Identity)
        .where(Identity.platform == platform, Identity.user_id == user_id, Identity.unreachable_since.is_(None))
        .values(unreachable_since=utcnow())
    )
    return bool(result.rowcount)

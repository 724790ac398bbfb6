"""Roles: who is an administrator, who is the ambassador of which country.

Used by the command line (``alumni roles ...``) and by the chat layer (permission checks,
granting in chat). Every function takes the caller's ``AsyncSession`` and never commits:
the caller's unit of work decides.

A grant is one ``RoleGrant`` row: ``administrator`` with country ``""``, or ``ambassador``
with an ISO alpha-2 country code (one row per country).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.db.models import Identity, Member, RoleGrant
from core.geo.countries import is_country_code
from core.i18n import N_
from core.members import find_identity, get_or_create_identity

ADMINISTRATOR = "administrator"
AMBASSADOR = "ambassador"
ROLES: tuple[str, ...] = (ADMINISTRATOR, AMBASSADOR)
PLATFORMS: tuple[str, ...] = ("telegram", "discord", "slack", "console")
MAX_USER_ID_LENGTH = 100


class RoleError(ValueError):
    """Invalid input (unknown role, platform or country). ``message`` is an English catalog msgid,
    ``params`` its format arguments: callers translate with ``_(error.message).format(**error.params)``."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


@dataclass(frozen=True, slots=True)
class RoleEntry:
    member_id: int
    role: str
    country_code: str  # "" for administrators
    granted_at: datetime
    identities: tuple[tuple[str, str], ...]  # (platform, user id) of the member


# ---------------------------------------------------------------- validation


def normalize_role(role: str) -> str:
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise RoleError(N_("unknown role {role!r}: use administrator or ambassador"), role=role)
    return value


def normalize_platform(platform: str) -> str:
    value = (platform or "").strip().lower()
    if value not in PLATFORMS:
        raise RoleError(
            N_("unknown platform {platform!r}: use one of {choices}"), platform=platform, choices=", ".join(PLATFORMS)
        )
    return value


def normalize_user_id(user_id: str | int) -> str:
    value = str(user_id).strip()
    if not value or len(value) > MAX_USER_ID_LENGTH or any(ch.isspace() for ch in value):
        raise RoleError(N_("invalid user id {user_id!r}"), user_id=str(user_id))
    return value


def normalize_country(country: str | None) -> str:
    value = (country or "").strip().upper()
    if not is_country_code(value) or len(value) != 2:
        raise RoleError(N_("unknown country code {country!r}: use ISO 3166-1 alpha-2, e.g. TN"), country=country or "")
    return value


def _grant_country(role: str, country: str | None) -> str:
    """The stored country of a grant: "" for administrators, a checked code for ambassadors."""
    if role == ADMINISTRATOR:
        if country:
            raise RoleError(N_("the administrator role is not tied to a country: leave out --country"))
        return ""
    if not country:
        raise RoleError(N_("an ambassador represents a country: give --country, e.g. --country TN"))
    return normalize_country(country)


# ---------------------------------------------------------------- members


async def find_member(session: AsyncSession, platform: str, user_id: str | int) -> Member | None:
    identity = await find_identity(session, normalize_platform(platform), normalize_user_id(user_id))
    if identity is None:
        return None
    return await session.get(Member, identity.member_id)


async def find_or_create_member(session: AsyncSession, platform: str, user_id: str | int) -> Member:
    """The member behind a chat identity, created with that identity when unknown (so an
    administrator can grant a role before the person first talks to the bot). Idempotent,
    also against a concurrent creator (see ``core.members.get_or_create_identity``)."""
    found = await find_member(session, platform, user_id)  # first: get_or_create also marks reachable
    if found is not None:
        return found
    _identity, member, _created = await get_or_create_identity(
        session, normalize_platform(platform), normalize_user_id(user_id)
    )
    return member


# ---------------------------------------------------------------- grants


async def grant_role(
    session: AsyncSession, member_id: int, role: str, country: str | None = None, *, actor: audit.Actor
) -> bool:
    """Grant a role, recorded in the audit trail as ``actor``'s. Returns False when the member already
    had it (nothing changes, nothing recorded)."""
    role = normalize_role(role)
    code = _grant_country(role, country)
    exists = await session.scalar(
        select(RoleGrant.id).where(RoleGrant.member_id == member_id, RoleGrant.role == role, RoleGrant.country_code == code)
    )
    if exists is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(RoleGrant(member_id=member_id, role=role, country_code=code))
            await session.flush()
    except IntegrityError:  # granted meanwhile
        return False
    await audit.record(session, actor, audit.ROLE_GRANT, object_kind=audit.MEMBER, object_id=member_id,
                       details={"role": role, "country": code or None})
    return True


async def revoke_role(
    session: AsyncSession, member_id: int, role: str, country: str | None = None, *, actor: audit.Actor
) -> int:
    """Revoke a role, recorded as ``actor``'s (one entry per grant removed). For ambassadors without a
    country, every country is revoked. Returns how many grants were removed (0: the member did not have it)."""
    role = normalize_role(role)
    statement = delete(RoleGrant).where(RoleGrant.member_id == member_id, RoleGrant.role == role)
    if role == AMBASSADOR and country:
        statement = statement.where(RoleGrant.country_code == normalize_country(country))
    elif role == ADMINISTRATOR and country:
        _grant_country(role, country)  # raises the clear error
    removed = list(await session.scalars(statement.returning(RoleGrant.country_code)))
    for code in removed:
        await audit.record(session, actor, audit.ROLE_REVOKE, object_kind=audit.MEMBER, object_id=member_id,
                           details={"role": role, "country": code or None})
    return len(removed)


async def list_roles(session: AsyncSession, role: str | None = None, country: str | None = None) -> list[RoleEntry]:
    """Every grant (optionally of one role / one country), administrators first, then by country."""
    statement = select(RoleGrant)
    if role:
        statement = statement.where(RoleGrant.role == normalize_role(role))
    if country:
        statement = statement.where(RoleGrant.country_code == normalize_country(country))
    grants = list(await session.scalars(statement))
    member_ids = {grant.member_id for grant in grants}
    identities: dict[int, list[tuple[str, str]]] = {}
    if member_ids:
        rows = await session.execute(
            select(Identity.member_id, Identity.platform, Identity.user_id)
            .where(Identity.member_id.in_(member_ids))
            .order_by(Identity.platform, Identity.user_id)
        )
        for member_id, platform, user_id in rows:
            identities.setdefault(member_id, []).append((platform, user_id))
    entries = [
        RoleEntry(
            member_id=grant.member_id,
            role=grant.role,
            country_code=grant.country_code,
            granted_at=grant.granted_at,
            identities=tuple(identities.get(grant.member_id, ())),
        )
        for grant in grants
    ]
    entries.sort(key=lambda e: (ROLES.index(e.role) if e.role in ROLES else 99, e.country_code, e.member_id))
    return entries


async def member_roles(session: AsyncSession, member_id: int) -> list[tuple[str, str]]:
    """(role, country code) pairs held by a member."""
    rows = await session.execute(
        select(RoleGrant.role, RoleGrant.country_code).where(RoleGrant.member_id == member_id).order_by(
            RoleGrant.role, RoleGrant.country_code
        )
    )
    return [(role, code) for role, code in rows]


async def has_role(session: AsyncSession, member_id: int, role: str, country: str | None = None) -> bool:
    """Whether the member holds ``role``. For ambassadors, ``country`` narrows to one country
    (None: of any country). The administrator role has no country and ignores it."""
    role = normalize_role(role)
    statement = select(RoleGrant.id).where(RoleGrant.member_id == member_id, RoleGrant.role == role)
    if role == AMBASSADOR and country:
        statement = statement.where(RoleGrant.country_code == country.strip().upper())
    return (await session.scalar(statement.limit(1))) is not None


async def is_administrator(session: AsyncSession, member_id: int) -> bool:
    return await has_role(session, member_id, ADMINISTRATOR)


async def is_ambassador_for(session: AsyncSession, member_id: int, country_code: str) -> bool:
    """Strictly: an ambassador grant for this country (administrators are not included)."""
    if not country_code:
        return False
    return await has_role(session, member_id, AMBASSADOR, country_code)


async def may_act_for_country(session: AsyncSession, member_id: int, country_code: str) -> bool:
    """Announce / create events in a country's channel: its ambassadors and every administrator."""
    return await is_administrator(session, member_id) or await is_ambassador_for(session, member_id, country_code)


async def ambassador_countries(session: AsyncSession, member_id: int) -> list[str]:
    rows = await session.scalars(
        select(RoleGrant.country_code)
        .where(RoleGrant.member_id == member_id, RoleGrant.role == AMBASSADOR)
        .order_by(RoleGrant.country_code)
    )
    return list(rows)

"""The audit trail: who did which privileged action, when, on what, from where.

Every privileged action (roles, channel bindings, announcements, events, imports, erasures
by an administrator) calls :func:`record` inside the same transaction as the action, so an
entry exists exactly when the action took effect. The core functions that act take the
``Actor`` from their caller (an adapter knows who typed the command): nothing here guesses it.
Entries are read by ``alumni audit`` (:func:`entries`), follow the retention policy
(``ALUMNI_AUDIT_RETENTION_DAYS``, core/retention.py), and a member's own entries are part of
``mydata``.

A member who erases their data (``forget``) is not an administrator erasing someone: that is not
recorded (an entry naming them would outlive the erasure). Entries where they acted stay, as the
network must still see what was done, but lose who did it (:func:`forget_member`).
"""
from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import AuditEntry, Identity

COMMAND_LINE = "cli"

# The action names, as stored and as `alumni audit --action NAME` takes them.
ROLE_GRANT = "role.grant"
ROLE_REVOKE = "role.revoke"
BINDING_REQUEST = "binding.request"
BINDING_APPROVE = "binding.approve"
BINDING_UNBIND = "binding.unbind"
CHANNEL_SET = "channel.set"
ANNOUNCEMENT_PLAN = "announcement.plan"
ANNOUNCEMENT_SCHEDULE = "announcement.schedule"
ANNOUNCEMENT_CANCEL = "announcement.cancel"
ANNOUNCEMENT_APPROVE = "announcement.approve"
EVENT_CREATE = "event.create"
EVENT_EDIT = "event.edit"
EVENT_CANCEL = "event.cancel"
DIRECTORY_IMPORT = "directory.import"
EVENTS_IMPORT = "events.import"
MEMBER_ERASE = "member.erase"

MEMBER = "member"  # the object kind of an entry about a member (a role granted to them)

ACTIONS: tuple[str, ...] = (
    ROLE_GRANT, ROLE_REVOKE, BINDING_REQUEST, BINDING_APPROVE, BINDING_UNBIND, CHANNEL_SET,
    ANNOUNCEMENT_PLAN, ANNOUNCEMENT_SCHEDULE, ANNOUNCEMENT_CANCEL, ANNOUNCEMENT_APPROVE,
    EVENT_CREATE, EVENT_EDIT, EVENT_CANCEL, DIRECTORY_IMPORT, EVENTS_IMPORT, MEMBER_ERASE,
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: a member through one platform identity, or an operator at the command line."""

    source: str  # a platform name, or "cli"
    member_id: int | None = None
    user_id: str | None = None  # the platform's user id; at the command line, the operating-system user

    @classmethod
    def of(cls, identity: Identity) -> "Actor":
        return cls(identity.platform, identity.member_id, identity.user_id)

    @classmethod
    def command_line(cls) -> "Actor":
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a container): still say it was the command line
            user = None
        return cls(COMMAND_LINE, None, user)


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    object_kind: str | None = None,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction (never commits: it lands with the action or not at all)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        source=actor.source,
        actor_member_id=actor.member_id,
        actor_user_id=actor.user_id,
        action=action,
        object_kind=object_kind,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
    )
    session.add(entry)
    return entry


# ---------------------------------------------------------------- reading


async def entries(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    member_id: int | None = None,
    account: tuple[str, str] | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """Entries oldest first (newest last, as a log reads). ``member_id``: what that member did, through
    any platform; ``account``: (platform or "cli", user id), what that account did, and what its member did
    elsewhere."""
    statement = select(AuditEntry)
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if member_id is not None:
        statement = statement.where(AuditEntry.actor_member_id == member_id)
    if account is not None:
        source, user_id = account
        same_account = and_(AuditEntry.source == source, AuditEntry.actor_user_id == user_id)
        behind = await session.scalar(
            select(Identity.member_id).where(Identity.platform == source, Identity.user_id == user_id)
        )
        statement = statement.where(
            or_(same_account, AuditEntry.actor_member_id == behind) if behind is not None else same_account
        )
    return list(await session.scalars(statement.order_by(AuditEntry.at, AuditEntry.id)))


def _about(member_id: int) -> ColumnElement[bool]:
    return and_(AuditEntry.object_kind == MEMBER, AuditEntry.object_id == str(member_id))


async def of_member(session: AsyncSession, member_id: int) -> list[AuditEntry]:
    """For ``mydata``: what the member did, and what was done to them (a role granted), oldest first."""
    return list(await session.scalars(
        select(AuditEntry).where(or_(AuditEntry.actor_member_id == member_id, _about(member_id)))
        .order_by(AuditEntry.at, AuditEntry.id)
    ))


# ---------------------------------------------------------------- members that change


async def merge_members(session: AsyncSession, keep_id: int, absorb_id: int) -> None:
    """Linking two accounts: what the absorbed member did or underwent is now the kept member's."""
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_member_id == absorb_id).values(actor_member_id=keep_id)
    )
    await session.execute(update(AuditEntry).where(_about(absorb_id)).values(object_id=str(keep_id)))


async def forget_member(session: AsyncSession, member_id: int) -> None:
    """``forget``: the entries stay (the action happened, the trail must show it) without who did it
    or to whom: no member id, no account id. Not a keyed hash: a hash would still single the person
    out across entries, which is what erasure takes away."""
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_member_id == member_id).values(actor_member_id=None, actor_user_id=None)
    )
    await session.execute(update(AuditEntry).where(_about(member_id)).values(object_id=None))

"""The audit trail: who did which privileged action, when, on what, from where.

Every privileged action (roles, channel bindings, announcements, events, imports, erasures
by an administrator) calls :func:`record` inside the same transaction as the action, so an
entry exists exactly when the action took effect. Entries are read by ``alumni audit``,
follow the retention policy, and a member's own entries are part of ``mydata``.
"""
from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import AuditEntry, Identity

COMMAND_LINE = "cli"

# The action names, as stored and as `alumni audit --action NAME` takes them.
ROLE_GRANT = "role.grant"
ROLE_REVOKE = "role.revoke"
BINDING_REQUEST = "binding.request"
BINDING_APPROVE = "binding.approve"
BINDING_UNBIND = "binding.unbind"
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

ACTIONS: tuple[str, ...] = (
    ROLE_GRANT, ROLE_REVOKE, BINDING_REQUEST, BINDING_APPROVE, BINDING_UNBIND,
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

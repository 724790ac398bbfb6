"""``alumni audit``: read the trail of privileged actions (core/audit.py), oldest first.

Read-only like ``alumni status``: the database is opened without migrating or creating it.
Times are UTC, given and shown. ``--json`` prints one JSON object per line (English keys), so
that a long trail can be filtered line by line by other tools.
"""
from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime, timezone
from typing import Any


from core import audit
from core.db.models import AuditEntry
from core.i18n import _
from core.roles import PLATFORMS

from .common import out, settings
from .errors import CliError
from .existing import existing_database

SOURCES: tuple[str, ...] = (*PLATFORMS, audit.COMMAND_LINE)
_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``audit`` command to the ``alumni`` parser."""
    parser = groups.add_parser(
        "audit",
        help=_("read the trail of privileged actions"),
        description=_(
            "The trail of privileged actions (roles, bindings, announcements, events, imports), oldest first: "
            "when (UTC), what, who and from which platform or the command line, on which object. "
            "Entries are kept for ALUMNI_AUDIT_RETENTION_DAYS days."
        ),
    )
    parser.add_argument(
        "--since", metavar="DATE", help=_("only entries from this date or time on, in UTC: YYYY-MM-DD [HH:MM[:SS]]")
    )
    parser.add_argument(
        "--actor", metavar="ID", help=_("only what this member did: a member number, or PLATFORM:USER_ID (cli:NAME)")
    )
    parser.add_argument("--action", metavar="NAME", help=_("only this action, e.g. role.grant"))
    parser.add_argument("--json", action="store_true", help=_("one JSON object per line (English keys)"))
    parser.set_defaults(handler=run)


# ---------------------------------------------------------------- options


def parse_since(value: str) -> datetime:
    text = value.strip()
    for layout in _FORMATS:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise CliError(_("invalid --since {value!r}: use YYYY-MM-DD or YYYY-MM-DD HH:MM, in UTC").format(value=value), 2)


def parse_actor(value: str) -> int | tuple[str, str]:
    """A member number, or (source, user id)."""
    text = value.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    source, colon, user_id = text.partition(":")
    source = source.strip().lower()
    if not colon or source not in SOURCES or not user_id.strip():
        raise CliError(
            _("invalid --actor {value!r}: use a member number or PLATFORM:USER_ID with a platform among {choices}").format(
                value=value, choices=", ".join(SOURCES)
            ),
            2,
        )
    return source, user_id.strip()


def parse_action(value: str) -> str:
    name = value.strip().lower()
    if name not in audit.ACTIONS:
        raise CliError(
            _("unknown action {value!r}: use one of {choices}").format(value=value, choices=", ".join(audit.ACTIONS)), 2
        )
    return name


# ---------------------------------------------------------------- reading


async def read(url: str, **filters: Any) -> list[AuditEntry]:
    database = existing_database(url)
    try:
        async with database.sessions() as session:
            return await audit.entries(session, **filters)
    finally:
        await database.dispose()


def run(args: argparse.Namespace) -> int:
    filters: dict[str, Any] = {}
    if args.since:
        filters["since"] = parse_since(args.since)
    if args.actor:
        actor = parse_actor(args.actor)
        filters["member_id" if isinstance(actor, int) else "account"] = actor
    if args.action:
        filters["action"] = parse_action(args.action)
    found = asyncio.run(read(settings().database_url, **filters))
    if args.json:
        for entry in found:
            out(json.dumps(as_json(entry), ensure_ascii=False))
        return 0
    if not found:
        out(_("no audit entries"))
        return 0
    for entry in found:
        out(line(entry))
    return 0


# ---------------------------------------------------------------- layout


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def as_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": _utc(entry.at).isoformat(),
        "action": entry.action,
        "source": entry.source,
        "actor_member_id": entry.actor_member_id,
        "actor_user_id": entry.actor_user_id,
        "object_kind": entry.object_kind,
        "object_id": entry.object_id,
        "details": entry.details or {},
    }


def who(entry: AuditEntry) -> str:
    """``telegram:42 (member 7)``, ``cli:root``; an erased member's entries show only the platform."""
    account = f"{entry.source}:{entry.actor_user_id}" if entry.actor_user_id else entry.source
    if entry.actor_member_id is not None:
        return _("{account} (member {id})").format(account=account, id=entry.actor_member_id)
    return account


def line(entry: AuditEntry) -> str:
    target = " ".join(part for part in (entry.object_kind, entry.object_id) if part)
    details = " ".join(f"{key}={value}" for key, value in sorted((entry.details or {}).items()) if value not in (None, ""))
    at = _utc(entry.at).strftime("%Y-%m-%d %H:%M:%S")
    return "  ".join(part for part in (at, f"{entry.action:<21}", who(entry), target, details) if part).rstrip()

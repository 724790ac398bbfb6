"""Button payloads: a command line, kept under Telegram's 64-byte callback_data limit.

A payload is ``"<command> <args>"``. Pressing the button runs that command as if
typed. When a payload would be too long, its text is stored in the database and the
button carries ``"=<key>"`` instead. Its ``created_at`` is the last time it was shown (to a day):
the retention job (``core.retention``) deletes the ones not shown for a while.
"""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import StoredAction
from core.db.types import utcnow

MAX_PAYLOAD_BYTES = 64
STORED_PREFIX = "="
REFRESH_AFTER = timedelta(days=1)  # a stored action shown again is dated anew at most this often
_KEY = re.compile(r"[0-9a-f]{16}")  # what ``encode`` writes after the prefix


def command_line(command: str, args: str = "") -> str:
    return f"{command} {args}".strip()


async def encode(session: AsyncSession, command: str, args: str = "", owner: int | None = None) -> str:
    """The button payload for a command line. ``owner``: the member whose request made the button;
    a stored line is then theirs alone (its key includes them), so ``forget`` can erase it."""
    line = command_line(command, args)
    if len(line.encode()) <= MAX_PAYLOAD_BYTES and not line.startswith(STORED_PREFIX):
        return line
    keyed = line if owner is None else f"{owner}\n{line}"
    key = hashlib.sha256(keyed.encode()).hexdigest()[:16]
    stored = await session.get(StoredAction, key)
    now = utcnow()
    if stored is None:
        session.add(StoredAction(key=key, payload=line, member_id=owner, created_at=now))
        await session.flush()
    elif stored.created_at < now - REFRESH_AFTER:  # shown again: kept as long as a fresh one (core.retention)
        stored.created_at = now
    return STORED_PREFIX + key


async def decode(session: AsyncSession, payload: str) -> tuple[str, str] | None:
    """(command, args) of a payload, or None when a stored payload is unknown."""
    if payload.startswith(STORED_PREFIX):
        if not _KEY.fullmatch(payload[1:]):  # a forged payload ("=\x00" even broke PostgreSQL's query)
            return None
        stored = await session.scalar(select(StoredAction).where(StoredAction.key == payload[1:]))
        if stored is None:
            return None
        payload = stored.payload
    command, _, args = payload.partition(" ")
    return command, args.strip()

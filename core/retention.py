"""What the database keeps, and the periodic job that prunes the rest.

Without it the outbox, the stored button actions and the link attempts grow forever. The
``retention.prune`` job (hourly, in every bot process: deleting a row twice is harmless)
deletes, in batches of ``BATCH`` rows each in its own short transaction so that it never
holds long locks:

- finished deliveries (``sent``, ``failed``, ``unreachable``, ``expired``, ``skipped``) older than
  ``ALUMNI_RETENTION_DAYS`` (default 30), by their last attempt and their send time. ``pending``
  and ``sending`` rows are never touched, nor the rows of an event that has not ended yet: their
  keys are what keeps a reminder or a calendar mirror from being planned a second time;
- stored button actions (the long commands behind buttons) not shown for
  ``ALUMNI_BUTTON_RETENTION_DAYS`` (default 7): pressing such an old button says it has expired;
- conversations (a multi-step flow left half-way) untouched for ``ALUMNI_RETENTION_DAYS``: the
  member starts the command again;
- link codes a day after they expired, and an account's count of link-code tries a week after its
  last try (``core.linking.MEMORY``: a count untouched that long starts again anyway);
- audit entries (``core.audit``) older than ``ALUMNI_AUDIT_RETENTION_DAYS`` (default 365): the
  trail of privileged actions is read long after the fact, so it is kept longer than the outbox.

Announcements, events and members are content, not logs: they stay until deleted (``forget``).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from core import linking
from core.config import Settings
from core.db.engine import Database
from core.db.models import AuditEntry, Conversation, Delivery, Event, LinkAttempt, LinkCode, StoredAction
from core.db.types import utcnow
from core.delivery.claim import FINAL

log = logging.getLogger(__name__)

BATCH = 500  # rows per delete transaction
LINK_KEEP = timedelta(days=1)  # link codes after their expiry (tries: core.linking.MEMORY after the last)
JOB = "retention.prune"


@dataclass(frozen=True, slots=True)
class Retention:
    """How long finished rows are kept, in days."""

    delivery_days: int = 30
    button_days: int = 7
    audit_days: int = 365

    @classmethod
    def from_settings(cls, settings: Settings) -> "Retention":
        return cls(delivery_days=settings.retention_days, button_days=settings.button_retention_days,
                   audit_days=settings.audit_retention_days)


@dataclass(frozen=True, slots=True)
class Pruned:
    deliveries: int = 0
    stored_actions: int = 0
    conversations: int = 0
    link_codes: int = 0
    link_attempts: int = 0
    audit_entries: int = 0


async def _delete_in_batches(db: Database, key: InstrumentedAttribute[Any], conditions: list[Any],
                             batch: int) -> int:
    """Delete the rows matching ``conditions``, ``batch`` keys per transaction; returns how many."""
    total = 0
    model = key.class_
    while True:
        async with db.transaction() as session:
            keys = list(await session.scalars(select(key).where(*conditions).limit(batch)))
            if keys:
                await session.execute(delete(model).where(key.in_(keys)))
        total += len(keys)
        if len(keys) < batch:
            return total
        await asyncio.sleep(0)  # let requests in between two batches


async def prune(db: Database, policy: Retention, now: datetime | None = None, batch: int = BATCH) -> Pruned:
    """Delete what the policy no longer keeps, as of ``now``."""
    now = now or utcnow()
    kept_since = now - timedelta(days=policy.delivery_days)
    event_not_over = exists().where(Event.id == Delivery.event_id,
                                    func.coalesce(Event.ends_at, Event.starts_at) >= now)
    deliveries = await _delete_in_batches(db, Delivery.id, [
        Delivery.status.in_(sorted(FINAL)),
        Delivery.due_at < kept_since,
        or_(Delivery.sent_at.is_(None), Delivery.sent_at < kept_since),
        or_(Delivery.event_id.is_(None), ~event_not_over),
    ], batch)
    actions = await _delete_in_batches(
        db, StoredAction.key, [StoredAction.created_at < now - timedelta(days=policy.button_days)], batch)
    conversations = await _delete_in_batches(db, Conversation.id, [Conversation.updated_at < kept_since], batch)
    codes = await _delete_in_batches(db, LinkCode.id, [LinkCode.expires_at < now - LINK_KEEP], batch)
    attempts = await _delete_in_batches(db, LinkAttempt.id, [LinkAttempt.attempted_at < now - linking.MEMORY], batch)
    audit = await _delete_in_batches(db, AuditEntry.id, [AuditEntry.at < now - timedelta(days=policy.audit_days)], batch)
    return Pruned(deliveries, actions, conversations, codes, attempts, audit)


async def prune_job(db: Database) -> None:
    """The hourly job: the policy is read from the environment at each run."""
    pruned = await prune(db, Retention.from_settings(Settings.from_env()))
    counts = astuple(pruned)
    if any(counts):
        log.info("pruned %d deliveries, %d stored actions, %d conversations, %d link codes, %d link attempts, "
                 "%d audit entries", *counts)

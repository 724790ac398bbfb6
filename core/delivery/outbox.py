"""Writing to the outbox. Idempotent: a row whose key exists already is left alone.

Once a transaction that wrote rows commits, the hooks added with ``on_commit`` run: the
composition root adds its delivery engine's ``wakeup`` there, so that the pushes just planned
start at once rather than at the engine's next poll. The outbox knows nothing of the engine.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Delivery
from core.db.types import utcnow

# Rows per INSERT statement: large enough to plan 100,000 rows quickly, small enough for
# SQLite's variable limit and PostgreSQL's 65,535 parameters.
CHUNK = 2000


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Delivery).on_conflict_do_nothing(index_elements=["key"])


Hook = Callable[[], None]
_hooks: list[Hook] = []  # what runs after a commit that wrote rows (the root's engine wake-up)


def on_commit(hook: Hook) -> Callable[[], None]:
    """Run ``hook`` after every commit that wrote outbox rows; returns what removes it again."""
    _hooks.append(hook)

    def remove() -> None:
        if hook in _hooks:
            _hooks.remove(hook)

    return remove


def _wake_after_commit(session: AsyncSession) -> None:
    """Once the planning transaction commits, the hooks run (the engine looks at once)."""
    sync_session = session.sync_session
    if not event.contains(sync_session, "after_commit", _after_commit):
        event.listen(sync_session, "after_commit", _after_commit)


def _after_commit(_session: object) -> None:
    for hook in list(_hooks):
        hook()


async def enqueue_many(session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add deliveries in the caller's transaction; rows whose ``key`` exists are skipped.

    Each row needs ``key``, ``kind``, ``platform``, ``target`` and ``payload``; it may set
    ``to_chat``, ``member_id``, ``identity_id``, ``announcement_id``, ``event_id``,
    ``due_at`` (default now) and ``expires_at``. Returns how many rows were offered.
    """
    now = utcnow()
    _wake_after_commit(session)
    statement = _insert(session)
    batch: list[dict[str, Any]] = []
    offered = 0
    for row in rows:
        values = {
            "to_chat": False, "member_id": None, "identity_id": None, "announcement_id": None,
            "event_id": None, "due_at": now, "expires_at": None, "status": "pending", "attempts": 0,
            "parts_sent": 0, "created_at": now, **row,
        }
        batch.append(values)
        if len(batch) >= CHUNK:
            await session.execute(statement, batch)
            offered += len(batch)
            batch = []
    if batch:
        await session.execute(statement, batch)
        offered += len(batch)
    return offered


async def enqueue(session: AsyncSession, **row: Any) -> None:
    await enqueue_many(session, [row])

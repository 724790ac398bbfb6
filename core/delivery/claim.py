"""Claiming due outbox rows and recording what became of them.

Statuses of a ``Delivery`` row (``deliveries.status``):

- ``pending``: waiting for ``due_at``;
- ``sending``: claimed by ``claimed_by`` until ``lease_until`` (a process that crashed
  leaves it so; once the lease has run out any process claims it again);
- ``sent``: done (``sent_at``);
- ``failed``: will never go out (a permanent error, or too many transient ones);
- ``unreachable``: the person blocked the bot or left (their identity is marked too);
- ``expired``: ``expires_at`` passed before it could go (a reminder for an event that began);
- ``skipped``: the renderer said the push no longer makes sense;
- ``cancelled``: stopped while still waiting, by whoever could take it back (an announcement's cancel).

Claiming is one statement: on PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``
so several processes share the work and never take the same row; on SQLite writers are
serialized, so one ``UPDATE ... RETURNING`` is atomic on its own. Every mark checks that
the row is still ours (``claimed_by``), so a process whose lease ran out cannot overwrite
the work of the one that took over.

A push longer than one platform message is sent in parts; ``record_parts`` stores how many
the platform accepted (``parts_sent``) before the next one is tried. A retry -- a transient
error, a 429, a crash and another process's claim after the lease -- resumes at the first
part not recorded, so only the part on the wire at a SIGKILL can go out twice.
"""
from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.db.models import Delivery, Identity
from core.db.types import utcnow
from core.members import mark_unreachable as mark_identity_unreachable

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNREACHABLE = "unreachable"
EXPIRED = "expired"
SKIPPED = "skipped"
CANCELLED = "cancelled"
FINAL = frozenset({SENT, FAILED, UNREACHABLE, EXPIRED, SKIPPED, CANCELLED})

MAX_ATTEMPTS = 8  # transient failures before a row is given up as failed
BACKOFF_BASE = 2.0  # seconds; the n-th retry waits up to BASE * 2**(n-1)
BACKOFF_CAP = 900.0  # never wait more than 15 minutes between two attempts
ERROR_LENGTH = 300  # deliveries.last_error


@dataclass(frozen=True, slots=True)
class Scope:
    """What one transport serves: its platform, and optionally only some user addresses.

    ``addresses`` None means every target of the platform; a set limits the claim to
    private pushes to those user ids (the console serves only the person at the keyboard).
    """

    platform: str
    addresses: frozenset[str] | None = None

    def condition(self) -> ColumnElement[bool]:
        clause = Delivery.platform == self.platform
        if self.addresses is not None:
            if not self.addresses:
                return false()
            clause = and_(clause, Delivery.to_chat.is_(False), Delivery.target.in_(sorted(self.addresses)))
        return clause


def _ready(scopes: Iterable[Scope], now: datetime) -> ColumnElement[bool]:
    due = or_(
        and_(Delivery.status == PENDING, Delivery.due_at <= now),
        and_(Delivery.status == SENDING, Delivery.lease_until < now),
    )
    return and_(or_(*[scope.condition() for scope in scopes]), due)


async def next_due(session: AsyncSession, scopes: Collection[Scope]) -> datetime | None:
    """When the next row becomes claimable (a pending row's due time, or a lease that runs out).

    A read-only look before claiming, so an idle poll never takes SQLite's write lock, and the
    dispatcher can sleep until exactly then rather than a whole poll interval.
    """
    if not scopes:
        return None
    where = or_(*[scope.condition() for scope in scopes])
    pending = select(func.min(Delivery.due_at)).where(where, Delivery.status == PENDING).scalar_subquery()
    leased = select(func.min(Delivery.lease_until)).where(where, Delivery.status == SENDING).scalar_subquery()
    first, second = (await session.execute(select(pending, leased))).one()
    # (aggregates come back naive from a scalar subquery on SQLite: read them as UTC)
    moments = [m if m.tzinfo else m.replace(tzinfo=timezone.utc) for m in (first, second) if m is not None]
    return min(moments) if moments else None


async def has_due(session: AsyncSession, scopes: Collection[Scope], now: datetime | None = None) -> bool:
    """Is anything claimable now."""
    moment = await next_due(session, scopes)
    return moment is not None and moment <= (now or utcnow())


async def claim(
    session: AsyncSession,
    scopes: Collection[Scope],
    worker: str,
    *,
    limit: int,
    lease: float,
    now: datetime | None = None,
) -> list[Delivery]:
    """Take up to ``limit`` due rows (oldest ``due_at`` first) for ``worker`` until ``now + lease``."""
    if not scopes or limit <= 0:
        return []
    now = now or utcnow()
    picked = (
        select(Delivery.id)
        .where(_ready(scopes, now))
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders no locking clause
    )
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(picked.scalar_subquery()))
        .values(status=SENDING, claimed_by=worker, lease_until=now + timedelta(seconds=lease))
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.scalars(statement)).all())
    rows = await _drop_unreachable(session, rows, worker)
    rows.sort(key=lambda row: (row.due_at, row.id))
    return rows


async def _drop_unreachable(session: AsyncSession, rows: list[Delivery], worker: str) -> list[Delivery]:
    """Rows to people already known unreachable are marked so, never sent (planned before they blocked us)."""
    personal: dict[str, set[str]] = {}
    for row in rows:
        if not row.to_chat:
            personal.setdefault(row.platform, set()).add(row.target)
    gone: set[tuple[str, str]] = set()
    for platform, targets in personal.items():
        found = await session.scalars(
            select(Identity.user_id).where(
                Identity.platform == platform, Identity.user_id.in_(sorted(targets)),
                Identity.unreachable_since.is_not(None),
            )
        )
        gone.update((platform, user_id) for user_id in found)
    if not gone:
        return rows
    dropped = [r.id for r in rows if not r.to_chat and (r.platform, r.target) in gone]
    await _finish(session, dropped, worker, status=UNREACHABLE, last_error="identity unreachable")
    return [r for r in rows if r.id not in set(dropped)]


def _ours(ids: Collection[int], worker: str) -> ColumnElement[bool]:
    return and_(Delivery.id.in_(list(ids)), Delivery.status == SENDING, Delivery.claimed_by == worker)


async def _finish(session: AsyncSession, ids: Collection[int], worker: str, **values: object) -> int:
    if not ids:
        return 0
    result = await session.execute(
        update(Delivery).where(_ours(ids, worker)).values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def short_error(error: BaseException | str) -> str:
    """One line for ``last_error``: the exception's class and message, never a request or a token."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    line = " ".join(str(text).split())
    return line[:ERROR_LENGTH]


async def mark_sent(session: AsyncSession, ids: Collection[int], worker: str, now: datetime | None = None) -> int:
    return await _finish(session, ids, worker, status=SENT, sent_at=now or utcnow(), last_error=None)


async def mark_failed(session: AsyncSession, ids: Collection[int], worker: str, error: BaseException | str) -> int:
    return await _finish(session, ids, worker, status=FAILED, last_error=short_error(error))


async def mark_expired(session: AsyncSession, ids: Collection[int], worker: str) -> int:
    return await _finish(session, ids, worker, status=EXPIRED)


async def mark_skipped(session: AsyncSession, ids: Collection[int], worker: str) -> int:
    return await _finish(session, ids, worker, status=SKIPPED)


async def record_parts(session: AsyncSession, row_id: int, worker: str, parts: int, until: datetime) -> int:
    """``parts`` messages of a long push are out: a retry starts after them. Renews the lease.

    Returns 0 when the row is no longer ours (the lease ran out and another process took it):
    the sender must then stop, or both would send the rest.
    """
    result = await session.execute(
        update(Delivery).where(_ours([row_id], worker)).values(parts_sent=parts, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def cancel_waiting(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    """Cancel the rows matching ``where`` that are still waiting (``pending``), in one statement.

    Rows being sent are left to their process: the renderer decides whether they still go out."""
    result = await session.execute(
        update(Delivery).where(Delivery.status == PENDING, *where)
        .values(status=CANCELLED, lease_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``attempts`` (1-based): full jitter over a capped exponential."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(0, ceiling)


async def mark_retry(
    session: AsyncSession, row: Delivery, worker: str, error: BaseException | str, now: datetime | None = None
) -> str:
    """A transient failure: try again after a backoff, or give up after ``MAX_ATTEMPTS``. Returns the new status."""
    attempts = (row.attempts or 0) + 1
    now = now or utcnow()
    if attempts >= MAX_ATTEMPTS:
        await _finish(session, [row.id], worker, status=FAILED, attempts=attempts, last_error=short_error(error))
        return FAILED
    await _finish(
        session, [row.id], worker, status=PENDING, attempts=attempts, claimed_by=None,
        due_at=now + timedelta(seconds=backoff(attempts)), last_error=short_error(error),
    )
    return PENDING


async def defer(session: AsyncSession, ids: Collection[int], worker: str, until: datetime) -> int:
    """Put rows back for later without counting an attempt (the platform asked us to wait)."""
    return await _finish(session, ids, worker, status=PENDING, claimed_by=None, due_at=until)


async def renew(session: AsyncSession, ids: Collection[int], worker: str, until: datetime) -> int:
    """Keep holding rows that are still on their way (their lease would run out first).

    Rows locked right now are skipped (``SKIP LOCKED``): they are being marked (sent, failed...)
    by this process's flusher, so they need no lease any more. Waiting for them instead would
    deadlock on PostgreSQL: the renewal (hundreds of ids, locked in heap order) and a batched
    mark (a few ids, locked in index order) take the same rows in different orders; the server
    then stalls both for ``deadlock_timeout`` (1 s) and aborts one, and a renewal lost that way
    lets leases run out under rows still on their way, which another process may then send again.
    """
    return len(await renew_held(session, ids, worker, until))


async def renew_held(session: AsyncSession, ids: Collection[int], worker: str, until: datetime) -> list[int]:
    """``renew``, returning the ids whose lease now runs until ``until`` (still ours, not locked).

    A row missing from the answer was either taken by another process after its lease ran out,
    or is being marked right now: the dispatcher checks the first case again before sending it."""
    if not ids:
        return []
    mine = (
        select(Delivery.id).where(_ours(ids, worker))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders no locking clause
    )
    result = await session.scalars(
        update(Delivery).where(Delivery.id.in_(mine.scalar_subquery()), _ours(ids, worker))
        .values(lease_until=until)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.all())


async def release(session: AsyncSession, ids: Collection[int], worker: str) -> int:
    """Give claimed rows that were not sent back to the pool, due as before (a clean stop)."""
    return await _finish(session, ids, worker, status=PENDING, claimed_by=None)


async def mark_unreachable(session: AsyncSession, row: Delivery, worker: str, error: BaseException | str) -> int:
    """The target blocked us or is gone: this row, every other unsent push to it, and the identity.

    Returns how many rows were marked. Rows another process holds right now are left to it
    (it will get the same answer from the platform).
    """
    reason = short_error(error)
    await _finish(session, [row.id], worker, status=UNREACHABLE, last_error=reason)
    others = await session.execute(
        update(Delivery)
        .where(
            Delivery.platform == row.platform,
            Delivery.target == row.target,
            Delivery.to_chat.is_(row.to_chat),
            Delivery.status == PENDING,
        )
        .values(status=UNREACHABLE, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    if not row.to_chat:
        await mark_identity_unreachable(session, row.platform, row.target)
    return 1 + int(others.rowcount or 0)


async def counts(session: AsyncSession, where: Mapping[str, object] | None = None) -> dict[str, int]:
    """Rows per status (optionally filtered by column values): for reports and tests."""
    statement = select(Delivery.status, func.count()).group_by(Delivery.status)
    for column, value in (where or {}).items():
        statement = statement.where(getattr(Delivery, column) == value)
    return {status: int(number) for status, number in (await session.execute(statement)).all()}

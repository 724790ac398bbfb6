"""Claiming and marking outbox rows (core/delivery/claim.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from core.db.engine import Database
from core.db.models import Delivery
from core.db.types import utcnow
from core.delivery import claim
from core.delivery.claim import Scope
from tests.delivery_helpers import add_members, enqueue, identity, row, rows_by_key, statuses

TELEGRAM = [Scope("telegram")]


async def take(db: Database, worker: str, limit: int = 100, scopes: list[Scope] = TELEGRAM, lease: float = 60,
               **kwargs: object) -> list:
    async with db.transaction() as session:
        return await claim.claim(session, scopes, worker, limit=limit, lease=lease, **kwargs)


async def test_claims_due_rows_oldest_first_and_only_once(db: Database) -> None:
    people = await add_members(db, 4)
    now = utcnow()
    await enqueue(db, [
        row(people[0], "later", due_at=now + timedelta(hours=1)),
        row(people[1], "second", due_at=now - timedelta(seconds=5)),
        row(people[2], "first", due_at=now - timedelta(seconds=50)),
        row(people[3], "third", due_at=now),
    ])
    first = await take(db, "w1", limit=2)
    assert [r.payload["reply"]["text"] for r in first] == ["first", "second"]
    assert all(r.status == "sending" and r.claimed_by == "w1" and r.lease_until > now for r in first)
    second = await take(db, "w2")
    assert [r.payload["reply"]["text"] for r in second] == ["third"]
    assert await take(db, "w3") == []  # "later" is not due; the others are held
    async with db.sessions() as session:
        assert not await claim.has_due(session, TELEGRAM)


async def test_an_expired_lease_puts_the_row_back_in_play(db: Database) -> None:
    people = await add_members(db, 1)
    await enqueue(db, [row(people[0], "hello")])
    [held] = await take(db, "crashed", lease=30)
    assert await take(db, "other") == []
    later = utcnow() + timedelta(seconds=31)
    [again] = await take(db, "other", now=later)
    assert again.id == held.id and again.claimed_by == "other"
    # the first worker wakes up: its marks no longer apply to a row it lost
    async with db.transaction() as session:
        assert await claim.mark_sent(session, [held.id], "crashed") == 0
        assert await claim.mark_sent(session, [held.id], "other") == 1
    stored = (await rows_by_key(db))[held.key]
    assert stored.status == "sent" and stored.sent_at is not None and stored.lease_until is None


async def test_scopes_limit_platforms_and_addresses(db: Database) -> None:
    telegram = await add_members(db, 1)
    console = await add_members(db, 2, platform="console")
    await enqueue(db, [row(telegram[0], "tg"), row(console[0], "c0"), row(console[1], "c1")])
    mine = await take(db, "console", scopes=[Scope("console", frozenset({console[1].user_id}))])
    assert [r.target for r in mine] == [console[1].user_id]
    assert await take(db, "nobody", scopes=[Scope("console", frozenset())]) == []
    assert [r.platform for r in await take(db, "tg")] == ["telegram"]


async def test_concurrent_claims_never_share_a_row(db: Database) -> None:
    people = await add_members(db, 300)
    await enqueue(db, [row(p, "x") for p in people])
    batches = await asyncio.gather(*[take(db, f"w{i}", limit=40) for i in range(10)])
    ids = [r.id for batch in batches for r in batch]
    assert len(ids) == len(set(ids)) == 300


async def test_transient_failures_back_off_then_give_up(db: Database) -> None:
    people = await add_members(db, 1)
    await enqueue(db, [row(people[0], "x")])
    for attempt in range(1, claim.MAX_ATTEMPTS + 1):
        [current] = await take(db, "w", now=utcnow() + timedelta(days=attempt))
        before = utcnow()  # the backoff is counted from the mark, which comes after this
        async with db.transaction() as session:
            status = await claim.mark_retry(session, current, "w", RuntimeError("502 Bad Gateway token=abc"))
        stored = next(iter((await rows_by_key(db)).values()))
        assert stored.attempts == attempt
        if attempt < claim.MAX_ATTEMPTS:
            assert status == stored.status == "pending" and stored.claimed_by is None
            ceiling = min(claim.BACKOFF_CAP, claim.BACKOFF_BASE * 2 ** (attempt - 1))
            assert timedelta(0) <= stored.due_at - before <= timedelta(seconds=ceiling + 1)
    assert status == stored.status == "failed"
    assert stored.last_error.startswith("RuntimeError: 502 Bad Gateway")


def test_backoff_has_full_jitter_and_a_cap() -> None:
    import random

    rng = random.Random(4)
    values = [claim.backoff(3, rng) for _ in range(500)]
    assert 0 <= min(values) < 1 and 6 < max(values) <= 8
    assert max(claim.backoff(40, rng) for _ in range(100)) <= claim.BACKOFF_CAP


async def test_unreachable_stops_everything_to_that_identity(db: Database) -> None:
    people = await add_members(db, 2)
    await enqueue(db, [row(people[0], "a"), row(people[0], "b", due_at=utcnow() + timedelta(hours=1)),
                       row(people[1], "c")])
    claimed = await take(db, "w")
    first = next(r for r in claimed if r.target == people[0].user_id)
    async with db.transaction() as session:
        assert await claim.mark_unreachable(session, first, "w", "Forbidden: bot was blocked by the user") == 2
    states = await statuses(db)
    assert sorted(states.values()) == ["sending", "unreachable", "unreachable"]
    assert (await identity(db, people[0].user_id)).unreachable_since is not None
    assert (await identity(db, people[1].user_id)).unreachable_since is None


async def test_release_expire_skip_and_defer(db: Database) -> None:
    people = await add_members(db, 4)
    await enqueue(db, [row(p, "x") for p in people])
    a, b, c, d = await take(db, "w")
    async with db.transaction() as session:
        await claim.release(session, [a.id], "w")
        await claim.mark_expired(session, [b.id], "w")
        await claim.mark_skipped(session, [c.id], "w")
        await claim.defer(session, [d.id], "w", utcnow() + timedelta(minutes=5))
    stored = {r.id: r for r in (await rows_by_key(db)).values()}
    assert [stored[x.id].status for x in (a, b, c, d)] == ["pending", "expired", "skipped", "pending"]
    assert stored[d.id].attempts == 0 and stored[d.id].due_at > utcnow() + timedelta(minutes=4)
    assert [r.id for r in await take(db, "w2")] == [a.id]  # the deferred one is not due yet


async def test_rows_planned_alone_in_a_transaction_are_committed(db: Database) -> None:
    """A transaction whose only statement is the batch INSERT (executemany) must commit it."""
    people = await add_members(db, 3)
    async with db.transaction() as session:
        await session.scalar(select(func.count()).select_from(Delivery))  # a read first: nothing to commit yet
    await enqueue(db, [row(p, "planned") for p in people])
    other = Database(db.url)  # another connection sees only what was committed
    try:
        assert len(await statuses(other)) == 3
    finally:
        await other.dispose()


async def test_renewal_skips_rows_being_marked_instead_of_waiting(db: Database) -> None:
    """A renewal must never wait for a mark of the same process (on PostgreSQL the two, locking
    the same rows in different orders, deadlocked: both stalled a second, one was aborted)."""
    people = await add_members(db, 3)
    await enqueue(db, [row(p, "x") for p in people])
    held = await take(db, "w1")
    ids = [r.id for r in held]
    until = utcnow() + timedelta(seconds=120)
    if db.engine.dialect.name == "sqlite":  # one writer at a time: nothing to skip
        async with db.transaction() as session:
            assert await claim.renew(session, ids, "w1", until) == 3
        return
    async with db.transaction() as marking:  # a mark in progress holds the first row
        assert await claim.mark_sent(marking, ids[:1], "w1") == 1
        async with db.transaction() as session:
            renewed = await asyncio.wait_for(claim.renew(session, ids, "w1", until), 5)
    assert renewed == 2  # the row being marked needs no lease any more
    stored = {r.id: r for r in (await rows_by_key(db)).values()}
    assert stored[ids[0]].status == "sent"
    assert all(stored[r.id].lease_until > r.lease_until for r in held[1:])  # renewed past the first lease

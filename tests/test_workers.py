"""Several engines on one database: heartbeats in ``workers``, rate limits split between the
live ones, periodic jobs run once per process and noted in ``job_runs``."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select, update

from core.db.engine import Database
from core.db.models import JobRun, Worker
from core.db.types import utcnow
from core.delivery import workers
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import Limits, PlatformLimits
from core.delivery.transport import Target
from core.jobs import PeriodicJob


class Quiet:
    """A transport that is never used: these engines only beat and run jobs."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def send(self, target: Target, reply: object) -> None:  # pragma: no cover - no rows here
        raise AssertionError("nothing to send")


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_a_share_divides_the_overall_rate_and_each_chats_rate() -> None:
    limits = Limits(scale=2.0)
    assert limits.rate("telegram") == 60.0
    limiter = limits["telegram"]
    limits.share("telegram", 3)
    assert limits.rate("telegram") == 20.0
    assert limiter.overall is not None and abs(limiter.overall.interval - 1 / 20) < 1e-9
    # scale 2 runs the clock twice as fast: a group's 20 a minute is 20 per 30 s, a third of it 6
    assert limits.limits_for("telegram") == PlatformLimits(per_second=20.0, chat_interval=1.5, group_per_minute=6,
                                                           group_window=30.0)
    assert limits.rate("discord") == 100.0  # other platforms keep their whole rate
    limits.share("telegram", 0)  # never below one share
    assert limits.rate("telegram") == 60.0 and limiter.overall.interval == 1 / 60


async def test_a_shared_limiter_paces_at_its_share() -> None:
    now = [0.0]
    limits = Limits(overrides={"x": PlatformLimits(per_second=10.0)}, clock=lambda: now[0])
    limits.share("x", 2)
    spacing = limits["x"].overall
    assert spacing is not None
    slots = [spacing.book(0.0) for _ in range(5)]
    assert [round(b - a, 6) for a, b in zip(slots, slots[1:])] == [0.2] * 4  # 5 a second, not 10


async def test_two_engines_see_each_other_and_split_the_rate(db: Database) -> None:
    first = DeliveryEngine(db, [Quiet("telegram"), Quiet("slack")], jobs=[], heartbeat=0.2, limits=Limits(scale=10.0))
    second = DeliveryEngine(db, [Quiet("telegram")], jobs=[], heartbeat=0.2, limits=Limits(scale=10.0))
    await first.start()
    await second.start()
    try:
        await until(lambda: _true(first.live.get("telegram") == 2 and second.live.get("telegram") == 2))
        assert first.live["slack"] == 1
        assert first.dispatcher.limits.rate("telegram") == 150.0  # 30 x 10 / 2
        assert second.dispatcher.limits.rate("telegram") == 150.0
        async with db.sessions() as session:
            rows = {w.id: w for w in await session.scalars(select(Worker))}
        assert set(rows) == {first.worker_id, second.worker_id}
        assert rows[first.worker_id].platforms == ["slack", "telegram"] and rows[first.worker_id].pid > 0
        # a worker that stops beating (killed) no longer counts after a few heartbeats
        async with db.transaction() as session:
            await session.execute(update(Worker).where(Worker.id == second.worker_id)
                                  .values(seen_at=utcnow() - timedelta(seconds=10)))
        await second.stop()  # a graceful stop deletes its row
        await until(lambda: _true(first.live.get("telegram") == 1))
        assert first.dispatcher.limits.rate("telegram") == 300.0
        async with db.sessions() as session:
            assert list(await session.scalars(select(Worker.id))) == [first.worker_id]
    finally:
        await second.stop()
        await first.stop()
    async with db.sessions() as session:
        assert list(await session.scalars(select(Worker.id))) == []


async def test_periodic_jobs_run_on_the_engine_given_them_and_their_runs_are_noted(db: Database) -> None:
    """A process runs one engine (the composition root gives it the features' jobs): the jobs run
    on its scheduler, each run noted with the engine's worker id, a failure by its type only."""
    calls: list[str] = []

    async def tick(_db: Database) -> None:
        calls.append("tick")

    async def broken(_db: Database) -> None:
        raise ValueError("secret text of a message")

    engine = DeliveryEngine(db, [Quiet(p) for p in ("telegram", "slack", "discord")], heartbeat=0.5,
                            jobs=[PeriodicJob("test.tick", 0.05, tick), PeriodicJob("test.broken", 0.05, broken)])
    bare = DeliveryEngine(db, [Quiet("telegram")], heartbeat=0.5)  # given no jobs: runs none
    await engine.start()
    await bare.start()
    try:
        assert engine._scheduler.get_job("test.tick") is not None  # type: ignore[union-attr]
        assert bare._scheduler.get_job("test.tick") is None  # type: ignore[union-attr]
        await until(lambda: _true(len(calls) >= 3))

        async def noted() -> bool:
            async with db.sessions() as session:
                return (await session.get(JobRun, "test.tick")) is not None and \
                    (await session.get(JobRun, "test.broken")) is not None
        await until(noted)
        async with db.sessions() as session:
            tick_run = await session.get(JobRun, "test.tick")
            broken_run = await session.get(JobRun, "test.broken")
        assert tick_run.ok and tick_run.error == "" and tick_run.runs >= 3
        assert tick_run.worker_id == engine.worker_id
        assert tick_run.started_at <= tick_run.finished_at
        assert not broken_run.ok and broken_run.error == "ValueError"  # the type, never the message
    finally:
        await bare.stop()
        await engine.stop()


async def _true(value: bool) -> bool:
    return value


def test_every_process_of_a_bot_uses_the_same_webhook_secret() -> None:
    """Several processes behind one proxy: each registers the same secret, so none rejects the others' calls."""
    from bots.telegram.runner import webhook_secret

    assert webhook_secret("123:abc") == webhook_secret("123:abc")
    assert webhook_secret("123:abc") != webhook_secret("123:abd")
    assert len(webhook_secret("123:abc")) >= 32 and webhook_secret("123:abc").isalnum()  # Telegram's allowed characters

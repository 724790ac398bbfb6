"""Delivery across processes: a dispatcher killed (SIGKILL) halfway then resumed by another
process, and two processes sharing one PostgreSQL outbox. Each runs ``tests.delivery_worker``
(the real engine, TelegramTransport and PTB Bot) against the fake Bot API in this process,
which records every message it accepted."""
from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.db.engine import Database
from tests.delivery_helpers import add_members, enqueue, row, statuses, texts
from tests.fakes.telegram_api import FakeBotAPI, TelegramLimits

ROOT = Path(__file__).resolve().parents[1]
SCALE = 10.0


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        fake.enforce_limits(TelegramLimits(scale=SCALE))
        yield fake


async def worker(database_url: str, api: FakeBotAPI, name: str, *, lease: float = 120.0,
                 scale: float = SCALE) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.delivery_worker", "--db", database_url, "--api", api.base_url,
        "--token", api.token, "--worker", name, "--scale", str(scale), "--lease", str(lease),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    return process


async def finish(process: asyncio.subprocess.Process, timeout: float = 60.0) -> None:
    _out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode == 0, err.decode()[-2000:]


async def wait_until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def delivered_once(api: FakeBotAPI, expected: list[str]) -> None:
    counts = collections.Counter(texts(api.messages()))
    duplicated = {text: n for text, n in counts.items() if n > 1}
    assert not duplicated, f"sent twice: {list(duplicated)[:5]}"
    assert sorted(counts) == sorted(expected), f"lost: {sorted(set(expected) - set(counts))[:5]}"


async def test_killed_halfway_then_resumed_delivers_every_row_once(db: Database, database_url: str,
                                                                   api: FakeBotAPI) -> None:
    people = await add_members(db, 400)
    expected = [f"announce {p.user_id}" for p in people]
    await enqueue(db, [row(p, f"announce {p.user_id}") for p in people])

    first = await worker(database_url, api, "first", lease=3.0)
    await wait_until(lambda: len(api.messages()) >= 150)
    # Hold the next requests unanswered (Telegram has not processed them), let the marks of the
    # answered ones land, then SIGKILL: the process dies holding claimed rows and open requests.
    api.hold()
    await wait_until(lambda: api.held > 0)
    await asyncio.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    api.open_gate()
    before = len(api.messages())
    left = await statuses(db)
    assert 0 < before < 400
    assert "sending" in left.values()  # it died holding claims; their lease has to run out
    assert list(left.values()).count("sent") == before

    second = await worker(database_url, api, "second", lease=3.0)
    await finish(second)
    delivered_once(api, expected)
    assert set((await statuses(db)).values()) == {"sent"}


@pytest.mark.postgres
async def test_two_processes_share_one_postgresql_outbox(db: Database, database_url: str, api: FakeBotAPI) -> None:
    if db.backend != "postgresql":
        pytest.skip("several writers at once: PostgreSQL")
    people = await add_members(db, 800)
    expected = [f"shared {p.user_id}" for p in people]
    await enqueue(db, [row(p, f"shared {p.user_id}") for p in people])
    # each process keeps half the overall rate (limits are per process)
    processes = [await worker(database_url, api, f"w{i}", scale=SCALE / 2) for i in range(2)]
    await asyncio.gather(*(finish(p) for p in processes))
    delivered_once(api, expected)
    from sqlalchemy import func, select

    from core.db.models import Delivery

    async with db.sessions() as session:
        by_worker = dict((await session.execute(
            select(Delivery.claimed_by, func.count()).group_by(Delivery.claimed_by))).all())
    assert set(by_worker) == {"w0", "w1"} and min(by_worker.values()) > 100


async def test_killed_between_two_parts_of_a_long_push_resumes_at_the_next_part(db: Database, database_url: str,
                                                                               api: FakeBotAPI) -> None:
    """SIGKILL with the second message of a three-message push on the wire (Telegram never processed
    it): the next process sends the second and third, never the first again."""
    [person] = await add_members(db, 1)
    long_text = "HEADER\n" + "\n".join(f"line {i:03d} " + "x" * 90 for i in range(100))  # three messages
    await enqueue(db, [{**row(person, "long"), "payload": {"reply": {"text": long_text}}}])
    api.hold_after(1)  # the first part is accepted, the second is held unanswered

    first = await worker(database_url, api, "first", lease=2.0)
    await wait_until(lambda: api.held > 0)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    api.open_gate()
    assert len(api.messages()) == 1

    second = await worker(database_url, api, "second", lease=2.0)
    await finish(second)
    parts = texts(api.messages())
    assert len(parts) == 3 and "\n".join(parts).count("HEADER") == 1
    assert [int(n) for n in re.findall(r"line (\d{3})", "\n".join(parts))] == list(range(100))
    assert set((await statuses(db)).values()) == {"sent"}

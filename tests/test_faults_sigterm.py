"""Graceful shutdown: SIGTERM to a real ``alumni run telegram`` process in the middle of a batch.

The fake Bot API answers slowly (every sendMessage takes a while), so the signal lands while
sends are on the wire and most rows are still claimed. The process must exit 0 within a few
seconds; every row is then either ``sent`` (and received exactly once) or back to ``pending``
with no claim left on it (not left to run out a 30 s lease). A restarted process sends the
rest: in total every member gets the message exactly once.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from core.app import open_app
from core.config import Settings
from core.db.models import Delivery
from tests.delivery_helpers import add_members, enqueue, row
from tests.fakes.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
BATCH = 60
SLOW = 0.4  # seconds each sendMessage takes at the fake
EXIT_WITHIN = 8.0  # seconds from SIGTERM to the process's exit (about 1-2 s measured; room for a loaded CI)


async def until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def start_bot(env: dict[str, str], api: FakeBotAPI, stderr: Path) -> asyncio.subprocess.Process:
    menus = len(api.calls_to("setMyCommands"))
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.cli", "run", "telegram", cwd=ROOT, env=env,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=stderr.open("ab"))
    await until(lambda: process.returncode is not None or len(api.calls_to("setMyCommands")) > menus)
    assert process.returncode is None, stderr.read_text()[-2000:]
    return process


async def stop_bot(process: asyncio.subprocess.Process, stderr: Path) -> float:
    """SIGTERM; the seconds it took to exit (with exit code 0)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(process.wait(), 30)
    except asyncio.TimeoutError:
        process.kill()
        raise
    took = time.monotonic() - started
    assert code == 0, stderr.read_text()[-2000:]
    return took


async def rows(url: str) -> list[Delivery]:
    app = await open_app(Settings(database_url=url), migrate=False)
    try:
        async with app.db.sessions() as session:
            return list((await session.scalars(select(Delivery))).all())
    finally:
        await app.close()


async def test_sigterm_mid_batch_finishes_or_returns_every_send(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two bot processes take ~15 s: run on PostgreSQL, the production database, only")
    app = await open_app(Settings(database_url=database_url), migrate=True)
    try:
        people = await add_members(app.db, BATCH)
        await enqueue(app.db, [row(person, f"batch-{n}") for n, person in enumerate(people)])
    finally:
        await app.close()
    stderr = tmp_path / "stderr"
    async with FakeBotAPI() as api:
        api.delay = SLOW
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ALUMNI_DATABASE_URL": database_url,
               "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url,
               "ALUMNI_DELIVERY_LEASE_SECONDS": "30", "ALUMNI_LANG": "en"}
        bot = await start_bot(env, api, stderr)
        try:
            await until(lambda: len(api.messages()) >= 5)  # mid-batch: sends on the wire, rows claimed
            took = await stop_bot(bot, stderr)
        finally:
            if bot.returncode is None:
                bot.kill()
        assert took < EXIT_WITHIN, took
        first = Counter(str(c.params["text"]) for c in api.messages())
        after_stop = await rows(database_url)
        sent = {r.payload["reply"]["text"] for r in after_stop if r.status == "sent"}
        pending = [r for r in after_stop if r.status == "pending"]
        assert {r.status for r in after_stop} == {"sent", "pending"}, Counter(r.status for r in after_stop)
        assert all(r.claimed_by is None and r.lease_until is None for r in pending)  # given back, not left to a lease
        assert set(first) == sent and set(first.values()) == {1}  # what was marked sent went out, once
        assert 5 <= len(sent) < BATCH and pending

        bot = await start_bot(env, api, stderr)  # the next process sends the rest, at once
        try:
            await until(lambda: len(api.messages()) >= BATCH, timeout=60)
            await stop_bot(bot, stderr)
        finally:
            if bot.returncode is None:
                bot.kill()
        total = Counter(str(c.params["text"]) for c in api.messages())
    assert total == Counter({f"batch-{n}": 1 for n in range(BATCH)})
    assert {r.status for r in await rows(database_url)} == {"sent"}
    print(f"\nSIGTERM mid-batch: exit in {took:.2f}s, {len(sent)} sent before it, {len(pending)} given back")

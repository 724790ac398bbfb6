"""``alumni run all``: the three bots in one process, started together and stopped together by one SIGTERM."""
from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.environment import bot_environment
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]


async def until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_sigterm_stops_every_bot(tmp_path: Path) -> None:
    async with FakeBotAPI() as telegram, FakeSlack() as slack, FakeDiscord() as discord:
        env = bot_environment(f"sqlite:///{tmp_path / 'all.db'}", telegram=telegram, slack=slack, discord=discord)
        log = (tmp_path / "stderr").open("wb")  # a file, not a pipe nobody reads while it runs
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "all", "--port", "0", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )
        try:
            await until(lambda: process.returncode is not None or (
                len(telegram.calls_to("setMyCommands")) >= 7 and slack.calls_to("auth.test") and discord.identified.is_set()))
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 40)
            log.close()
    assert process.returncode == 0, (tmp_path / "stderr").read_text()[-2000:]
    assert len(telegram.calls_to("setMyCommands")) >= 7 and slack.calls_to("auth.test") and discord.identified.is_set()

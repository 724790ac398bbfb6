"""``alumni run all``: the three bots in one process, on one delivery engine, stopped together by one SIGTERM."""
from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bots import host
from bots.cli.main import main
from bots.discord import runner as discord_runner
from bots.telegram import runner as telegram_runner
from core.config import Settings
from core.db.engine import Database
from core.db.models import Delivery, Worker
from core.delivery.outbox import enqueue_many
from core.messages.types import Reply
from core.delivery.payload import reply_to_json
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.environment import bot_environment
from tests.fakes.ports import reserved_port
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
DISCORD_MESSAGE = r"^/channels/\d+/messages$"


async def until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client:
        async with client.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, await response.text()


async def push_to_each_platform(url: str) -> None:
    """One finished push per platform, as a planning job in another process would write it."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            await enqueue_many(session, [
                {"key": f"run-all:{platform}", "kind": "notice", "platform": platform, "target": target,
                 "payload": {"reply": reply_to_json(Reply(text=f"hello {platform}"))}}
                for platform, target in (("telegram", "77"), ("slack", "U1001"), ("discord", "1001"))
            ])
    finally:
        await db.dispose()


async def test_one_sigterm_stops_every_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'all.db'}"
    health_port = reserved_port()
    async with FakeBotAPI() as telegram, FakeSlack() as slack, FakeDiscord() as discord:
        env = bot_environment(url, telegram=telegram, slack=slack, discord=discord,
                              ALUMNI_HEALTH_PORT=str(health_port))
        log = (tmp_path / "stderr").open("wb")  # a file, not a pipe nobody reads while it runs
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "all", "--port", "0", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )
        try:
            await until(lambda: process.returncode is not None or (
                len(telegram.calls_to("setMyCommands")) >= 7 and slack.calls_to("auth.test") and discord.identified.is_set()))
            code, body = await get(health_port, "/healthz")  # served once, for every bot of the process
            for _wait in range(100):  # the gateway's READY may come just after IDENTIFY
                if code == 200:
                    break
                await asyncio.sleep(0.1)
                code, body = await get(health_port, "/healthz")
            assert code == 200 and json.loads(body)["bots"] == {
                "discord": "running", "slack": "running", "telegram": "running"}, body
            code, body = await get(health_port, "/metrics")
            assert code == 200 and sorted(l for l in body.splitlines() if l.startswith("alumni_bot_up{")) == [
                f'alumni_bot_up{{platform="{p}"}} 1' for p in ("discord", "slack", "telegram")]

            monkeypatch.setenv("ALUMNI_DATABASE_URL", url)
            capsys.readouterr()
            assert await asyncio.to_thread(main, ["status", "--json"]) == 0
            workers = json.loads(capsys.readouterr().out)["workers"]
            assert len(workers) == 1, workers  # one engine for the whole process
            assert sorted(workers[0]["platforms"]) == ["discord", "slack", "telegram"]

            await push_to_each_platform(url)  # that one engine sends to every platform
            await until(lambda: bool(telegram.messages() and slack.calls_to("chat.postMessage")
                                     and discord.find("POST", DISCORD_MESSAGE)), timeout=15)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 40)
            log.close()
    assert process.returncode == 0, (tmp_path / "stderr").read_text()[-2000:]
    assert len(telegram.calls_to("setMyCommands")) >= 7 and slack.calls_to("auth.test") and discord.identified.is_set()
    assert [c.params["text"] for c in telegram.messages()] == ["hello telegram"]
    assert [c.text() for c in discord.find("POST", DISCORD_MESSAGE)] == ["hello discord"]
    database = Database(url)
    try:
        async with database.sessions() as session:
            assert set(await session.scalars(select(Delivery.status))) == {"sent"}
            assert list(await session.scalars(select(Worker.id))) == []  # left on SIGTERM
    finally:
        await database.dispose()


async def test_a_bot_that_cannot_start_stops_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Under the one root: Discord refuses its token, so Telegram (started beside it) is stopped again,
    no engine runs, and the process says why in one line and exits with 1."""
    url = f"sqlite:///{tmp_path / 'refused.db'}"
    async with FakeBotAPI() as telegram, FakeDiscord() as discord:
        settings = Settings(database_url=url, telegram_bot_token=telegram.token, telegram_api_base_url=telegram.base_url,
                            discord_bot_token="wrong", discord_api_base_url=discord.api_base_url,
                            discord_gateway_url=discord.gateway_url)
        try:
            connectors = [telegram_runner.connector(settings, None), discord_runner.connector(settings, None)]
            assert await host.serve(settings, connectors) == 1
        finally:
            discord_runner.configure_endpoints(None, None)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "DISCORD_BOT_TOKEN" in err and "wrong" not in err
        assert not connectors[0].healthy()  # Telegram was started, then stopped again
        assert telegram.calls_to("getMe")
    database = Database(url)
    try:
        async with database.sessions() as session:
            assert list(await session.scalars(select(Worker.id))) == []  # no engine ran
    finally:
        await database.dispose()

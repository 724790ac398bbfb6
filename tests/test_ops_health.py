"""/healthz and /metrics: scraped after real deliveries through the real Telegram client against
the fake Bot API; 503 when the database or a bot is down; wired into ``alumni run all``."""
from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bots import health
from bots.telegram import runner
from core import metrics
from core.app import prepare_database
from core.config import Settings
from core.db.engine import Database
from core.db.types import utcnow
from tests.delivery_helpers import add_members, enqueue, row, statuses
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.environment import bot_environment
from tests.fakes.ports import reserved_port
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The Prometheus text format, strictly: every line a comment or a sample, each series once."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    types: dict[str, str] = {}
    assert body.endswith("\n")
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            _hash, _type, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram") and name not in types
            types[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        assert re.sub(r"_(bucket|sum|count)$", "", name) in types, f"{name} has no TYPE"
        key = (name, frozenset(LABEL.findall(labels or "")))
        assert key not in samples, f"{line!r} twice"
        samples[key] = float(value)
    return samples


def sample(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((name, frozenset(labels.items())), 0.0)


async def get(port: int, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as client:
        async with client.get(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, response.headers.get("Content-Type", ""), await response.text()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    health.reset()
    metrics.REGISTRY.reset()


async def test_metrics_after_real_deliveries(database_url: str) -> None:
    await prepare_database(database_url)  # migrated, as the runner expects on SQLite
    db = Database(database_url)
    try:
        await _deliver_and_scrape(db, database_url)
    finally:
        await db.dispose()


async def _deliver_and_scrape(db: Database, database_url: str) -> None:
    ok, retried, blocked, refused = await add_members(db, 4)
    await enqueue(db, [row(ok, "one"), row(ok, "two"), row(retried, "three"), row(blocked, "four"),
                       row(refused, "five"), row(ok, "later", due_at=utcnow() + timedelta(hours=1))])
    service = health.HealthService(database_url=database_url)
    server = health.HealthServer(service, 0, "127.0.0.1")
    port = await server.start()
    health.expect(["telegram"])
    async with FakeBotAPI() as api:
        api.block(blocked.user_id)
        api.fail("sendMessage", 502, "Bad Gateway", chat_id=retried.user_id)
        api.fail("sendMessage", 400, "Bad Request: message text is empty", chat_id=refused.user_id)
        status, _type, body = await get(port, "/healthz")
        assert status == 503 and json.loads(body)["bots"] == {"telegram": "not running"}  # not started yet

        stop = asyncio.Event()
        settings = Settings(database_url=database_url, telegram_bot_token=api.token,
                            telegram_api_base_url=api.base_url)
        bot = asyncio.create_task(runner.run(settings, stop_event=stop))
        try:
            api.push_message("/help")  # a command, counted too
            # the 502 one goes after its backoff
            await api.wait_for(lambda: api.sent(1001) and len(api.sent()) - len(api.sent(1001)) == 4, timeout=20)
            finished = {"sent", "unreachable", "failed"}
            for _ in range(200):  # the marks land just after the sends
                states = await statuses(db)
                if sum(1 for s in states.values() if s in finished) == 5:
                    break
                await asyncio.sleep(0.05)
            status, _type, body = await get(port, "/healthz")
            assert status == 200, body
            assert json.loads(body) == {"status": "ok", "database": "ok", "bots": {"telegram": "running"}}

            status, content_type, body = await get(port, "/metrics")
            assert status == 200 and content_type.startswith("text/plain") and "version=0.0.4" in content_type
            scraped = parse_metrics(body)
        finally:
            stop.set()
            assert await asyncio.wait_for(bot, 40) == 0

        status, _type, body = await get(port, "/healthz")
        assert status == 503 and json.loads(body)["problems"] == ["telegram not running"]
    await server.stop()

    deliveries = "alumni_deliveries_total"
    assert sample(scraped, deliveries, platform="telegram", outcome="sent") == 3
    assert sample(scraped, deliveries, platform="telegram", outcome="retried") == 1
    assert sample(scraped, deliveries, platform="telegram", outcome="unreachable") == 1
    assert sample(scraped, deliveries, platform="telegram", outcome="failed") == 1
    assert sample(scraped, "alumni_delivery_seconds_count", platform="telegram") == 3
    buckets = sorted((float(dict(labels)["le"]), value) for (name, labels), value in scraped.items()
                     if name == "alumni_delivery_seconds_bucket")
    assert buckets[-1] == (float("inf"), 3) and [v for _le, v in buckets] == sorted(v for _le, v in buckets)
    assert 0 < sample(scraped, "alumni_delivery_seconds_sum", platform="telegram") < 60
    assert sample(scraped, "alumni_outbox_pending", platform="telegram") == 1  # "later"
    assert sample(scraped, "alumni_outbox_pending", platform="slack") == 0
    assert sample(scraped, "alumni_bot_up", platform="telegram") == 1
    assert sample(scraped, "alumni_database_up") == 1
    assert sample(scraped, "alumni_commands_total", platform="telegram") == 1


async def test_unreachable_database_is_503() -> None:
    url = "postgresql://alumni:hunter2secret@127.0.0.1:1/alumni"
    server = health.HealthServer(health.HealthService(database_url=url), 0, "127.0.0.1")
    port = await server.start()
    try:
        status, content_type, body = await get(port, "/healthz")
        assert status == 503 and content_type.startswith("application/json")
        answer = json.loads(body)
        assert answer["status"] == "unavailable" and answer["database"].startswith("unreachable")
        assert answer["problems"][0].startswith("database unreachable")
        assert "hunter2" not in body and "127.0.0.1" not in body
        status, _type, body = await get(port, "/metrics")  # counters still scrape; the depth is left out
        scraped = parse_metrics(body)
        assert status == 200 and sample(scraped, "alumni_database_up") == 0
        assert not any(name == "alumni_outbox_pending" for name, _labels in scraped)
    finally:
        await server.stop()


async def test_run_all_serves_health_on_its_port_and_on_slacks(tmp_path: Path) -> None:
    """``alumni run all --health-port``: one process, three bots, /healthz on both ports."""
    slack_port, health_port = reserved_port(), reserved_port()
    async with FakeBotAPI() as telegram, FakeSlack() as slack, FakeDiscord() as discord:
        env = bot_environment(f"sqlite:///{tmp_path / 'all.db'}", telegram=telegram, slack=slack, discord=discord)
        log = (tmp_path / "stderr").open("wb")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "all", "--listen", "127.0.0.1", "--port", str(slack_port),
            "--health-port", str(health_port), cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )
        answers: dict[int, dict] = {}  # type: ignore[type-arg]
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 40
            while len(answers) < 2:
                assert process.returncode is None and loop.time() < deadline, (tmp_path / "stderr").read_text()
                for port in (health_port, slack_port):
                    try:
                        status, _type, body = await get(port, "/healthz")
                    except aiohttp.ClientError:
                        continue
                    if status == 200:
                        answers[port] = json.loads(body)
                await asyncio.sleep(0.1)
            status, _type, body = await get(health_port, "/metrics")
            assert status == 200 and "alumni_outbox_pending" in body
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 40)
            log.close()
    assert process.returncode == 0, (tmp_path / "stderr").read_text()[-2000:]
    running = {"telegram": "running", "slack": "running", "discord": "running"}
    assert answers[health_port] == answers[slack_port] == {"status": "ok", "database": "ok", "bots": running}


def test_health_port_options_are_checked(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    """A port PTB's webhook server takes, or no port at all: one line, exit 2, no bot started."""
    from bots.cli.main import main

    monkeypatch.setenv("ALUMNI_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("ALUMNI_LANG", raising=False)
    for argv, expected in (
        (["run", "telegram", "--webhook-url", "https://example.org/tg", "--port", "9000", "--health-port", "9000"],
         "--health-port must differ from --port"),
        (["run", "telegram", "--health-port", "70000"], "--health-port must be a port number (1-65535)"),
    ):
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and expected in err
    assert not (tmp_path / "x.db").exists()

"""Broadcast throughput: one and two ``alumni run telegram`` processes sending a paid broadcast.

For each run, on a scratch database of its own (a SQLite file, or a PostgreSQL database): ``count``
members of the Tunisian channel with a Telegram identity each (one private chat per member); a fake
Bot API in its own process, accepting ``1,000 x --rate-scale`` messages a second (429 beyond);
N real ``alumni run telegram`` processes with paid broadcast on (``ALUMNI_TELEGRAM_PAID_BROADCAST``:
Telegram's 1,000 messages a second, times ``ALUMNI_DELIVERY_RATE_SCALE`` = ``--rate-scale``, so the
limit is not what caps the figure); then ``alumni announce --channel tn`` plans one row per member
(the real planning) and the processes send them. Printed per run, each with its target:

- dispatch: messages a second, first message the fake accepted to the last (target: 1,000 for one
  process, on SQLite and on PostgreSQL); two processes on PostgreSQL: their rate over one process's
  (target x1.8);
- CPU: the bot processes' CPU time (user + system, from the announcement on) per message sent
  (target: 1 ms, one core's worth at 1,000 a second);
- lost (members whose chat received nothing) and duplicated (messages beyond one per chat): the
  fake counts messages per chat, so a duplicate is seen even when another row was lost: 0 and 0;
- 429s the fake answered; how many messages carried ``allow_paid_broadcast``; the fake's and
  PostgreSQL's CPU per message (the whole server's), and the rate the machine's cores allow at that
  total CPU per message: two processes can only double one's rate where one process leaves the
  cores for it (on two cores, one process, the fake and PostgreSQL already fill most of them);
  planning rows a second (``alumni announce``, interpreter start included).

The load average is printed with every run: the machine is shared, the figures are only comparable
on a quiet one. A missed target prints MISSED and the bench exits with status 1.

Usage: ``python -m bench.bench_scaleout [--url postgresql://...] [--count 10000] [--rate-scale 5]
[--runs sqlite:1 postgresql:1 postgresql:2] [--quick] [--round-trip 0.1] [--profile PREFIX]``. The URL (an account
allowed to create databases; its scratch databases are dropped afterwards) defaults to
``ALUMNI_BENCH_POSTGRES_URL`` or ``ALUMNI_TEST_POSTGRES_URL``; without one, PostgreSQL runs are
skipped. ``--profile`` writes each bot process's cProfile statistics (CPU time) to ``PREFIX.<run>.<n>``.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from core.app import prepare_database
from core.db.engine import Database, sync_url
from core.db.models import Channel, Delivery, Identity, Member, Membership, Worker
from core.delivery.limits import PUBLISHED
from tests.fakes.telegram_api import FakeBotAPI, TelegramLimits

try:
    from core.delivery.limits import PAID_BROADCAST
except ImportError:  # a checkout from before paid broadcast (a "before" figure): the same limit by scale
    PAID_BROADCAST = {}

ROOT = Path(__file__).resolve().parents[1]
FIRST_USER = 20_000_000
TARGET_RATE = 1000.0  # messages a second from one process (Telegram's paid broadcast ceiling)
TARGET_RATIO = 1.8  # two processes over one, on PostgreSQL
TARGET_CPU_MS = 1.0  # CPU per message: one core at 1,000 messages a second
TICKS = os.sysconf("SC_CLK_TCK")
# ``alumni run telegram`` under cProfile timed by CPU (process_time): time spent waiting for the
# database, the fake or a core taken by another process does not count, only the bot's own work.
PROFILED = """import cProfile, runpy, sys, time
profile = cProfile.Profile(time.process_time)
sys.argv = ["alumni", "run", "telegram"]
profile.enable()
try:
    runpy.run_module("bots.cli", run_name="__main__")
finally:
    profile.disable()
    profile.dump_stats({path!r})
"""


def paid_rate() -> float:
    return PAID_BROADCAST["telegram"].per_second or 1000.0 if PAID_BROADCAST else 1000.0


def rate_settings(rate_scale: float) -> dict[str, str]:
    """The bots' environment for the paid limit times ``rate_scale``."""
    if PAID_BROADCAST:
        return {"ALUMNI_TELEGRAM_PAID_BROADCAST": "true", "ALUMNI_DELIVERY_RATE_SCALE": str(rate_scale)}
    return {"ALUMNI_DELIVERY_RATE_SCALE": str(paid_rate() * rate_scale / (PUBLISHED["telegram"].per_second or 30.0))}


# ---------------------------------------------------------------- the fake Bot API, in its own process

class CountingBotAPI(FakeBotAPI):
    """The project's fake Bot API; ``GET /_stats`` reports what it accepted, per chat."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []  # when each accepted message arrived

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_get("/_stats", self.stats)

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.stamps.append(time.monotonic())
        return await super().api_sendMessage(params, files)

    async def stats(self, request: web.Request) -> web.Response:
        accepted = self.messages()
        return web.json_response({
            "accepted": len(accepted), "too_many": len(self.too_many),
            "chats": collections.Counter(str(c.params.get("chat_id")) for c in accepted),
            "paid": sum(1 for c in accepted if str(c.params.get("allow_paid_broadcast")).lower() == "true"),
            "first": self.stamps[0] if self.stamps else None, "last": self.stamps[-1] if self.stamps else None,
        })


async def serve_fake(scale: float, delay: float) -> None:
    """The fake at ``scale`` times Telegram's limits, answering each message after ``delay`` seconds,
    in its own process (its CPU is not the bot's)."""
    fake = CountingBotAPI()
    fake.enforce_limits(TelegramLimits(scale=scale))
    fake.delay = delay
    await fake.start()
    print(f"{fake.port} {fake.token}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


async def start_fake(scale: float, delay: float) -> tuple[asyncio.subprocess.Process, str, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bench_scaleout", "--serve-fake", str(scale), str(delay), cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    port, token = (await process.stdout.readline()).decode().split()
    return process, f"http://127.0.0.1:{port}/bot", f"http://127.0.0.1:{port}/_stats", token


async def stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()


# ---------------------------------------------------------------- scratch databases

@dataclass
class Scratch:
    url: str
    drop: Any


def scratch_database(backend: str, admin_url: str | None) -> Scratch:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="alumni_bench_")
        path = Path(folder) / "bench.sqlite3"

        def remove() -> None:
            for leftover in Path(folder).iterdir():
                leftover.unlink()
            Path(folder).rmdir()
        return Scratch(f"sqlite:///{path}", remove)
    assert admin_url is not None
    name = f"alumni_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()

    def drop() -> None:
        engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    return Scratch(make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop)


async def add_members(db: Database, count: int) -> None:
    async with db.transaction() as session:
        channel_id = await session.scalar(select(Channel.id).where(Channel.slug == "tn"))
        ids = list(await session.scalars(insert(Member).returning(Member.id),
                                         [{"language": "en", "country_code": "TN"} for _ in range(count)]))
        await session.execute(insert(Identity), [{"member_id": m, "platform": "telegram", "user_id": str(FIRST_USER + i)}
                                                 for i, m in enumerate(ids)])
        await session.execute(insert(Membership), [{"member_id": m, "channel_id": channel_id} for m in ids])


async def count_rows(db: Database, *where: Any) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Delivery).where(*where)) or 0)


async def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def database_cpu_seconds() -> float:
    """CPU time so far of every PostgreSQL server process on this machine (0 if none can be read):
    the whole server, so other work on it counts too."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text.split(" (", 1)[1].startswith("postgres)"):
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


# ---------------------------------------------------------------- one run

async def one_run(backend: str, admin_url: str | None, processes: int, count: int, rate_scale: float,
                  profile: str | None = None, round_trip: float = 0.0) -> dict[str, float]:
    scratch = scratch_database(backend, admin_url)
    allowed = paid_rate() * rate_scale
    fake, api, stats_url, token = await start_fake(allowed / (PUBLISHED["telegram"].per_second or 30.0), round_trip)
    bots: list[asyncio.subprocess.Process] = []
    db = Database(scratch.url)
    try:
        await prepare_database(scratch.url)
        await add_members(db, count)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ALUMNI_DATABASE_URL": scratch.url, "ALUMNI_LANG": "en",
               "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": api, **rate_settings(rate_scale)}
        for number in range(processes):
            command = ["-m", "bots.cli", "run", "telegram"]
            if profile:
                command = ["-c", PROFILED.format(path=f"{profile}.{backend}{processes}.{number}")]
            bots.append(await asyncio.create_subprocess_exec(
                sys.executable, *command, cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))

        async def up() -> bool:
            async with db.sessions() as session:
                return int(await session.scalar(select(func.count()).select_from(Worker)) or 0) == processes
        await wait_for(up, 60, "the bot processes")
        await asyncio.sleep(0.5)  # start-up work (menus, descriptions) done before the CPU is counted

        cpu_before = sum(cpu_seconds(bot.pid) for bot in bots)
        fake_before = cpu_seconds(fake.pid)
        database_before = database_cpu_seconds()
        started = time.monotonic()
        announce = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "announce", "--channel", "tn", "--text-en", "Benchmark announcement",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await announce.communicate()
        if announce.returncode != 0:
            raise SystemExit(err.decode()[-2000:])
        planning = time.monotonic() - started

        async def done() -> bool:
            return await count_rows(db, Delivery.status.in_(("pending", "sending"))) == 0
        await wait_for(done, 60 + count / 50, "the deliveries")
        cpu = sum(cpu_seconds(bot.pid) for bot in bots) - cpu_before
        fake_cpu = cpu_seconds(fake.pid) - fake_before
        database_cpu = max(0.0, database_cpu_seconds() - database_before) if backend == "postgresql" else 0.0
        figures = await stats(stats_url)
        span = (figures["last"] - figures["first"]) if figures["first"] is not None else 0.0
        chats: dict[str, int] = figures["chats"]
        expected = {str(FIRST_USER + i) for i in range(count)}
        return {
            "planning_s": planning,
            "planning_rows_s": count / planning,
            "msg_s": (figures["accepted"] - 1) / span if span > 0 else 0.0,
            "cpu_ms": 1000 * cpu / max(1, figures["accepted"]),
            "fake_cpu_ms": 1000 * fake_cpu / max(1, figures["accepted"]),
            "ceiling": (os.cpu_count() or 1) * 1000 / max(1e-9, 1000 * (cpu + fake_cpu + database_cpu) / max(1, figures["accepted"])),
            "database_cpu_ms": 1000 * database_cpu / max(1, figures["accepted"]),
            "too_many": figures["too_many"],
            "paid": figures["paid"],
            "lost": sum(1 for chat in expected if chats.get(chat, 0) == 0),
            "duplicated": sum(n - 1 for n in chats.values() if n > 1) + sum(n for c, n in chats.items() if c not in expected),
        }
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
        for bot in bots:
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except asyncio.TimeoutError:
                bot.kill()
        fake.terminate()
        await fake.wait()
        await db.dispose()
        scratch.drop()


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ALUMNI_BENCH_POSTGRES_URL") or os.environ.get("ALUMNI_TEST_POSTGRES_URL"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate-scale", type=float, default=5.0,
                        help="the paid limit (1,000/s) times this, in the bots and the fake (default 5: two "
                             "processes get 2,500/s each, so the limit caps neither run)")
    parser.add_argument("--runs", nargs="+", default=["sqlite:1", "postgresql:1", "postgresql:2"],
                        help="backend:processes (default sqlite:1 postgresql:1 postgresql:2)")
    parser.add_argument("--quick", action="store_true", help="3,000 recipients")
    parser.add_argument("--round-trip", type=float, default=0.0,
                        help="seconds the fake takes to answer each message (e.g. 0.1: a distant data centre; "
                             "with --rate-scale 1, the paid ceiling must still be kept)")
    parser.add_argument("--profile", help="write each bot process's cProfile statistics to PROFILE.<run>.<n>")
    args = parser.parse_args()
    count = 3000 if args.quick else args.count
    runs = [(backend, int(number)) for backend, number in (run.split(":") for run in args.runs)]
    if any(backend == "postgresql" for backend, _ in runs) and not (args.url or "").startswith("postgresql"):
        print("no PostgreSQL URL (--url or ALUMNI_BENCH_POSTGRES_URL): PostgreSQL runs skipped")
        runs = [(backend, number) for backend, number in runs if backend != "postgresql"]
    allowed = paid_rate() * args.rate_scale
    print(f"{count} recipients on Telegram (one private chat each), paid broadcast, limit {allowed:.0f} msg/s "
          f"(x{args.rate_scale:g}), answers after {1000 * args.round_trip:.0f} ms; {os.cpu_count()} cores, shared by the bots, the fake and the database")
    missed = False
    results: dict[tuple[str, int], dict[str, float]] = {}
    for backend, processes in runs:
        r = results[(backend, processes)] = await one_run(backend, args.url, processes, count, args.rate_scale,
                                                           args.profile, args.round_trip)
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        rate_ok = processes != 1 or r["msg_s"] >= TARGET_RATE
        cpu_ok = r["cpu_ms"] <= TARGET_CPU_MS
        exact = r["lost"] == 0 and r["duplicated"] == 0
        missed |= not (rate_ok and cpu_ok and exact)
        target = f" (target >= {TARGET_RATE:.0f}: {verdict(rate_ok)})" if processes == 1 else ""
        print(f"{backend}, {processes} process(es): dispatch {r['msg_s']:.0f} msg/s{target}; "
              f"CPU {r['cpu_ms']:.2f} ms/msg (target <= {TARGET_CPU_MS:g}: {verdict(cpu_ok)}); "
              f"lost {r['lost']:.0f}, duplicated {r['duplicated']:.0f} (target 0, 0: {verdict(exact)}); "
              f"429s {r['too_many']:.0f}; paid {r['paid']:.0f}; the fake's CPU {r['fake_cpu_ms']:.2f} ms/msg, PostgreSQL's "
              f"{r['database_cpu_ms']:.2f}: all {os.cpu_count()} cores give at most {r['ceiling']:.0f} msg/s; planning {r['planning_rows_s']:.0f} rows/s; "
              f"load {load}")
    one, two = results.get(("postgresql", 1)), results.get(("postgresql", 2))
    if one and two and one["msg_s"] > 0:
        ratio = two["msg_s"] / one["msg_s"]
        ok = ratio >= TARGET_RATIO
        missed |= not ok
        print(f"postgresql, 2 processes over 1: x{ratio:.2f} (target >= x{TARGET_RATIO:g}: {verdict(ok)}); "
              f"CPU per message x{two['cpu_ms'] / max(1e-9, one['cpu_ms']):.2f} (what sharing the work costs); "
              f"this machine's cores allow at most x{min(2.0, two['ceiling'] / one['msg_s']):.2f}; "
              f"load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if missed else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-fake":
        try:
            asyncio.run(serve_fake(float(sys.argv[2]), float(sys.argv[3])))
        except KeyboardInterrupt:
            pass
    else:
        sys.exit(asyncio.run(main()))

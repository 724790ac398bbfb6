"""Load benchmark: 200 members send mixed commands at once to one Telegram bot process.

The real python-telegram-bot Application (concurrent updates) and the real command service,
with the default database pool, against the fake Bot API (tests/fakes/telegram_api.py) run in
a process of its own: its CPU is not counted against the bot, as a real deployment would not
pay it (on this 2-core machine the two processes still share the cores). Each burst pushes every
member's command in one go, with unrelated members' ``/help`` spread through it; a member's
latency is from the push of their update to the bot's first answer in their chat, both times
taken in the fake's process.

Two bursts per run: "cold" (a fresh bot process and database: unknown members) and "warm" (the
same members again). Each run is a process of its own, so every
"cold" is really cold; the figures of every run are printed, then their median, with the load
average of the machine (shared: figures taken under load are slower). Percentiles interpolate
between the two nearest samples. Target (issue 12): every member answered, unrelated ``/help``
p99 under 1 s on a 2-core machine.

Last, the longest stall of the event loop while the search index of 50,000 associations is
rebuilt (a heartbeat task every millisecond; the rebuild reads in slices and builds in a thread).

A member told "try again" (pool timeout, database unavailable) counts as failed, not answered.
The bot warms up as ``alumni run`` does (core/warmup.py: search index, gc.freeze) unless ``--no-warm-up``.

Run: ``python -m bench.bench_load [--runs 3] [--no-warm-up] [--members 200] [--associations 2000] [--url postgresql://...] [--rebuild N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.make_directory import rows
from bench.stats import percentile
from bots.telegram import runner
from bots.telegram.application import build_application
from core.app import open_app
from core.audit import Actor
from core.config import Settings
from core.db.engine import sync_url
from core.directory.importer import import_rows
from core.directory.search import DirectorySearch
from core.i18n import SUPPORTED_LANGUAGES, _, use_language
from core.warmup import warm_up
from tests.fakes.telegram_api import FakeBotAPI

# The core's replies when it could not do the work: counted as failed, not as answered.
FAILURES = ("Many people are writing to me right now. Please try again shortly.",
            "I can't reach my database right now. Please try again in a moment.")
COMMANDS = (
    "/associations paris", "/associations paris", "/associations lyon", "/associations tunis",
    "/associations allemagne", "/help", "/channels", "/events", "/start",
)
BYSTANDERS = 20
TARGET_UNRELATED_P99 = 1.0  # seconds
ROOT = Path(__file__).resolve().parents[1]
PATIENCE = 90.0  # seconds a burst may take before the unanswered are counted as such


# ---------------------------------------------------------------- the fake, in its own process

async def serve_fake() -> None:
    """The fake Bot API with a control port: ``POST /_burst`` pushes updates, ``GET /_answers`` reports.

    Push and answer times are both taken here, so latencies need no clock shared between processes.
    """
    fake = FakeBotAPI()
    pushed: dict[str, float] = {}

    async def push(request: web.Request) -> web.Response:
        body = await request.json()
        pushed.clear()
        fake.calls.clear()
        for number, (command, user) in enumerate(body["messages"], 1):
            pushed[str(user["id"])] = time.monotonic()
            fake.push_message(command, user=user)
            if number % 20 == 0:
                await asyncio.sleep(0)  # arrivals spread a little, as over a network
        return web.json_response({"pushed": len(pushed)})

    async def answers(request: web.Request) -> web.Response:
        found: dict[str, tuple[float, str]] = {}  # chat -> (latency, text of the first answer)
        for call in fake.calls:
            if call.method in ("sendMessage", "sendDocument"):
                chat = str(call.params.get("chat_id"))
                if chat in pushed and chat not in found:
                    found[chat] = (call.at - pushed[chat], str(call.params.get("text", "")))
        return web.json_response(found)

    await fake.start()
    control = web.Application()
    control.router.add_post("/_burst", push)
    control.router.add_get("/_answers", answers)
    runner_ = web.AppRunner(control, handle_signals=False, access_log=None)
    await runner_.setup()
    site = web.TCPSite(runner_, "127.0.0.1", 0)
    await site.start()
    control_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"{fake.port} {control_port} {fake.token}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner_.cleanup()
        await fake.stop()


async def start_fake() -> tuple[asyncio.subprocess.Process, str, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bench_load", "--serve-fake", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    port, control_port, token = (await process.stdout.readline()).decode().split()
    return process, f"http://127.0.0.1:{port}/bot", f"http://127.0.0.1:{control_port}", token


# ---------------------------------------------------------------- the bot's side


def user(user_id: int, name: str, language: str) -> dict[str, object]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language}


async def burst(control: str, members: list[dict], bystanders: list[dict], rng: random.Random) -> dict[str, object]:
    """Every member's command and the bystanders' /help spread through them, pushed at once."""
    messages: list[tuple[str, dict]] = []
    every = max(1, len(members) // (len(bystanders) + 1))
    waiting = list(bystanders)
    for number, member in enumerate(members, 1):
        messages.append((rng.choice(COMMANDS), member))
        if number % every == 0 and waiting:
            messages.append(("/help", waiting.pop()))
    messages += [("/help", bystander) for bystander in waiting]
    unrelated = {str(b["id"]) for b in bystanders}
    cpu = time.process_time()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{control}/_burst", json={"messages": messages}) as response:
            await response.json()
        give_up = time.monotonic() + PATIENCE
        while True:
            await asyncio.sleep(0.25)
            async with http.get(f"{control}/_answers") as response:
                found: dict[str, list] = await response.json()
            if len(found) >= len(messages) or time.monotonic() > give_up:
                break
    cpu = time.process_time() - cpu  # this bot process only: its share of the 2 cores
    failures = failure_texts()
    answers = {chat: latency for chat, (latency, said) in found.items() if html.unescape(said) not in failures}
    return {
        "cpu_ms": 1000 * cpu / len(messages),
        "answered": sum(1 for chat in answers if chat not in unrelated),
        "latencies": [v for chat, v in answers.items() if chat not in unrelated],
        "unrelated_answered": sum(1 for chat in answers if chat in unrelated),
        "unrelated": [v for chat, v in answers.items() if chat in unrelated],
        "failed": len(found) - len(answers),
    }


def failure_texts() -> set[str]:
    """The core's "try again" replies (pool timeout, database unavailable) in every language: not an answer."""
    texts = set()
    for language in SUPPORTED_LANGUAGES:
        with use_language(language):
            texts |= {_(FAILURE) for FAILURE in FAILURES}
    return texts


def summary(result: dict[str, object]) -> dict[str, float]:
    latencies: list[float] = result["latencies"]  # type: ignore[assignment]
    unrelated: list[float] = result["unrelated"]  # type: ignore[assignment]
    return {
        "answered": result["answered"], "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
        "unrelated_answered": result["unrelated_answered"], "unrelated_p50": percentile(unrelated, 0.5),
        "unrelated_p99": percentile(unrelated, 0.99), "cpu_ms": result["cpu_ms"], "failed": result["failed"],
    }  # type: ignore[return-value]


def met(figures: dict[str, float], members: int) -> bool:
    return (figures["answered"] == members and figures["unrelated_answered"] == BYSTANDERS
            and figures["unrelated_p99"] < TARGET_UNRELATED_P99)


def report(name: str, figures: dict[str, float], members: int, load: str = "") -> None:
    failed = f"  {figures['failed']:.0f} told \"try again\"" if figures["failed"] else ""
    print(f"{name:11}  answered {figures['answered']:.0f}/{members}  p50 {figures['p50']:.3f} s  p99 {figures['p99']:.3f} s"
          f"  |  unrelated /help {figures['unrelated_answered']:.0f}/{BYSTANDERS}  p50 {figures['unrelated_p50']:.3f} s"
          f"  p99 {figures['unrelated_p99']:.3f} s  -> {'OK' if met(figures, members) else 'MISSED'}{failed}"
          f"  (bot CPU {figures['cpu_ms']:.1f} ms/request{load})", flush=True)


async def rebuild_stall(count: int, url: str | None) -> None:
    """The longest the event loop stood still while the search index of ``count`` associations was rebuilt."""
    with fresh_database(url) as database_url:
        app = await open_app(Settings(database_url=database_url), migrate=True)
        await import_rows(app.db, [(n, row) for n, row in enumerate(rows(count, seed=3), 1)], actor=Actor.command_line())
        search = DirectorySearch(app.db)
        gaps: list[float] = []
        running = True

        async def heartbeat() -> None:
            last = time.perf_counter()
            while running:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        beating = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        await search.search("paris")
        took = time.perf_counter() - started
        running = False
        await beating
        await app.close()
    print(f"index rebuild of {count} associations: {took:.2f} s, longest event-loop stall {1000 * max(gaps):.0f} ms "
          f"({len(gaps)} heartbeats meanwhile)")


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A new empty database for one run: a temporary SQLite file, or a PostgreSQL database created
    beside ``url`` (same server and role) and dropped afterwards, so every "cold" is cold."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'load.db'}"
        return
    name = f"alumni_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def one_run(members: int, associations: int, url: str | None, warm_start: bool) -> dict[str, dict[str, float]]:
    """A cold and a warm burst against a fresh app and database (run in a fresh process).

    ``warm_start``: the start-up warm-up of ``alumni run`` (the search index built, gc.freeze()).
    """
    with fresh_database(url) as database_url:
        app = await open_app(Settings(database_url=database_url), migrate=True)
        directory = [(n, row) for n, row in enumerate(rows(associations), 1)]
        directory += [(associations + n, {"name": f"Amicale Paris {n}", "country": "FR", "city": "Paris"})
                      for n in range(1, 21)]
        await import_rows(app.db, directory, actor=Actor.command_line())
        rng = random.Random(12)
        process, api_url, control, token = await start_fake()
        application = build_application(token, app.commands, base_url=api_url)
        if warm_start:
            await warm_up(app, freeze=True)  # as the composition root (bots/host.py) does under alumni run
        await runner.start(application, poll_timeout=1)
        try:
            people = [user(100_000 + n, f"Member {n}", rng.choice(("fr", "en", "es", "ar", "pt", "de")))
                      for n in range(members)]
            bystanders = [user(900_000 + n, f"Bystander {n}", "en") for n in range(BYSTANDERS)]
            cold = await burst(control, people, bystanders, rng)
            warm = await burst(control, people, bystanders, rng)
        finally:
            await runner.stop(application)
            process.terminate()
            await process.wait()
        await app.close()
    return {"cold": summary(cold), "warm": summary(warm)}


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


async def main(runs: int, members: int, associations: int, url: str | None, rebuild: int, warm_start: bool) -> None:
    pool = await pool_line(url)
    print(f"{members} members + {BYSTANDERS} unrelated /help, {associations + 20} associations, {pool}; "
          f"{runs} runs, each in a fresh process; {os.cpu_count()} CPUs, {load_average()} (1/5 min)")
    print(f"target: all answered, unrelated /help p99 < {TARGET_UNRELATED_P99:.0f} s; "
          + ("warmed up at start as alumni run does" if warm_start else "no warm-up: the first search of the cold burst builds the index"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results: list[dict[str, dict[str, float]]] = []
    for number in range(1, runs + 1):
        before = load_average()
        arguments = ["--one-run", "--members", str(members), "--associations", str(associations)]
        arguments += [] if warm_start else ["--no-warm-up"]
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bench_load", *arguments, *(["--url", url] if url else []),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"run {number} failed (exit {child.returncode})")
        result = json.loads(out.decode().strip().splitlines()[-1])
        results.append(result)
        for name in ("cold", "warm"):
            report(f"run {number} {name}", result[name], members, f", {before}")
    medians = {name: {key: statistics.median(r[name][key] for r in results) for key in results[0][name]}
               for name in ("cold", "warm")}
    for name, figures in medians.items():
        report(f"median {name}", figures, members)
    hits = sum(met(r[name], members) for r in results for name in ("cold", "warm"))
    print(f"target met in {hits} of {2 * runs} bursts; "
          + ("met by the medians" if all(met(figures, members) for figures in medians.values()) else "MISSED by the medians"))
    if rebuild:
        await rebuild_stall(rebuild, url)


async def pool_line(url: str | None) -> str:
    """The backend and its default pool, as the runs will open it."""
    with tempfile.TemporaryDirectory() as tmp:
        app = await open_app(Settings(database_url=url or f"sqlite:///{Path(tmp) / 'pool.db'}"), migrate=False)
        line = f"{app.db.backend}, default pool ({type(app.db.engine.pool).__name__} of {app.db.engine.pool.size()})"
        await app.close()
    return line


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve-fake"]:
        asyncio.run(serve_fake())
        raise SystemExit
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs, each a cold and a warm burst in a fresh process")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--associations", type=int, default=2000)
    parser.add_argument("--url", help="a PostgreSQL server (role with CREATEDB): each run creates and drops a database there")
    parser.add_argument("--rebuild", type=int, default=50_000, help="associations for the index rebuild figure (0: skip)")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the start-up warm-up (index, gc.freeze)")
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)  # a child: prints its figures as JSON
    options = parser.parse_args()
    if options.one_run:
        print(json.dumps(asyncio.run(one_run(options.members, options.associations, options.url, not options.no_warm_up))), flush=True)
    else:
        asyncio.run(main(options.runs, options.members, options.associations, options.url, options.rebuild,
                         not options.no_warm_up))

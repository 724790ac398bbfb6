"""What ``alumni status`` and a /metrics scrape cost on a large outbox.

Fills a fresh database with N outbox rows (a week of history: mostly sent, some failed and
unreachable, a backlog pending, a few claimed) and 5% of N identities (some unreachable), then
times the full status read and the per-scrape queue-depth query (median of several runs).
Prints seconds per call.

Run from the repository root: ``python -m bench.bench_status [--rows N] [--postgres URL]``
(without --postgres: a temporary SQLite file; with it: a scratch database created and dropped
on that server, e.g. postgresql://alumni:alumni@127.0.0.1/alumni_test).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import timedelta

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from core.app import prepare_database
from core.db.engine import Database, sync_url
from core.db.models import Delivery, Identity, Member
from core.db.types import utcnow
from core.operations.status import queue_depths, read_status, table_sizes

PLATFORMS = ("telegram", "discord", "slack")


async def fill(db: Database, rows: int) -> None:
    now = utcnow()
    people = max(1, rows // 20)
    async with db.transaction() as session:
        await session.execute(insert(Member), [{"id": i + 1, "language": "fr"} for i in range(people)])
        await session.execute(insert(Identity), [
            {"member_id": i + 1, "platform": PLATFORMS[i % 3], "user_id": f"u{i}",
             "unreachable_since": now - timedelta(hours=i % 200) if i % 50 == 0 else None}
            for i in range(people)])
    chunk = 20_000
    for start in range(0, rows, chunk):
        batch = []
        for i in range(start, min(rows, start + chunk)):
            share = i % 100
            status = ("sent" if share < 88 else "pending" if share < 95 else "failed" if share < 97
                      else "unreachable" if share < 99 else "sending")
            due = now - timedelta(seconds=(i * 7919) % (7 * 86400)) if status != "pending" or share < 92 \
                else now + timedelta(hours=share)
            batch.append({
                "key": f"bench:{i}", "kind": "announcement" if i % 4 else "reminder", "platform": PLATFORMS[i % 3],
                "target": f"u{i % people}", "payload": {}, "status": status, "due_at": due,
                "sent_at": due + timedelta(seconds=2) if status == "sent" else None,
                "claimed_by": "bench" if status == "sending" else None,
                "lease_until": now + timedelta(seconds=30) if status == "sending" else None,
            })
        async with db.transaction() as session:
            await session.execute(insert(Delivery), batch)


async def timed(db: Database, work, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        async with db.sessions() as session:
            await work(session)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def bench(url: str, rows: int, repeat: int) -> None:
    await prepare_database(url)
    db = Database(url)
    try:
        started = time.perf_counter()
        await fill(db, rows)
        print(f"filled {rows:,} outbox rows in {time.perf_counter() - started:.1f} s ({make_url(url).get_backend_name()})")
        if make_url(url).get_backend_name() == "postgresql":
            async with db.engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        await timed(db, read_status, 1)  # warm the caches once
        status_s = await timed(db, read_status, repeat)
        depth_s = await timed(db, queue_depths, repeat)
        sizes_s = await timed(db, table_sizes, repeat)
        async with db.sessions() as session:
            status = await read_status(session)
        pending = sum(p.pending for p in status.platforms.values())
        print(f"alumni status query: {status_s * 1000:.1f} ms (median of {repeat}); {pending:,} pending rows")
        print(f"/metrics outbox depth query: {depth_s * 1000:.1f} ms (median of {repeat})")
        print(f"table sizes (part of the status): {sizes_s * 1000:.1f} ms (median of {repeat})")
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to create a scratch database on")
    args = parser.parse_args()
    if not args.postgres:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(bench(f"sqlite:///{folder}/bench.db", args.rows, args.repeat))
        return
    name = f"alumni_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sync_url(args.postgres), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(bench(make_url(args.postgres).set(database=name).render_as_string(hide_password=False),
                          args.rows, args.repeat))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()

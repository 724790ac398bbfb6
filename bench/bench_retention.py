"""What the pruning job costs on a large outbox.

Fills a temporary SQLite database with N outbox rows (``bench_status``'s week of history), then
runs the retention job twice: with the default 30 days (nothing to delete: the cost of an hourly
run that finds nothing) and with 3 days (about half the rows go, as on the first run after an
upgrade). Prints seconds, rows deleted, and the mean time of one batch transaction, which is how
long the job holds SQLite's write lock at a time.

Run from the repository root: ``python -m bench.bench_retention [--rows N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from bench.bench_status import fill
from core.app import prepare_database
from core.db.engine import Database
from core.retention import BATCH, Retention, prune


async def bench(url: str, rows: int) -> None:
    await prepare_database(url)
    db = Database(url)
    try:
        await fill(db, rows)
        for label, policy in (("nothing to prune (30 days)", Retention(delivery_days=30)),
                              ("about half pruned (3 days)", Retention(delivery_days=3))):
            started = time.perf_counter()
            pruned = await prune(db, policy)
            took = time.perf_counter() - started
            batches = max(1, -(-pruned.deliveries // BATCH))
            print(f"{label}: {took:.2f} s, {pruned.deliveries:,} deliveries deleted, "
                  f"{took / batches * 1000:.0f} ms per batch of {BATCH}")
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(f"sqlite:///{folder}/bench.db", args.rows))


if __name__ == "__main__":
    main()

"""Console round trip (parse, core, render) on SQLite with the sample directory: prints p50/p99.

Run from the repository root: ``python -m bench.bench_console``.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bots.console.session import ConsoleSession
from core.app import open_app
from core.audit import Actor
from core.messages.types import Sender
from core.config import Settings
from core.directory.importer import import_file

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"
SCRIPT = [
    "/help", "/channels", "/associations Allemagne", "/join tn", "/leave tn", "/country Tunisie",
    "/associations", "/associations Sao Paolo", "/language fr", "/timezone Le Caire", "/jion tn", "Tunisie",
]
ROUNDS = 150


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = await open_app(Settings(database_url=f"sqlite:///{folder}/bench.db"))
        await import_file(app.db, SAMPLE, actor=Actor.command_line())
        session = ConsoleSession(app.commands.handle, Sender("console", "bench", locale="fr"))
        for line in SCRIPT:  # warm up: index build, catalogs, prepared statements
            request = session.parse(line)
            await session.send(request)  # type: ignore[arg-type]
        timings: list[float] = []
        for _ in range(ROUNDS):
            for line in SCRIPT:
                started = time.perf_counter()
                request = session.parse(line)
                await session.send(request)  # type: ignore[arg-type]
                timings.append((time.perf_counter() - started) * 1000)
        await app.close()
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"console round trip: {len(timings)} commands  p50 {statistics.median(timings):.2f} ms  "
          f"p99 {p99:.2f} ms  max {timings[-1]:.2f} ms  (target p99 <= 5 ms)")


if __name__ == "__main__":
    asyncio.run(main())

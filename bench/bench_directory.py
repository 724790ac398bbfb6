"""Directory benchmark: import 10,000 synthetic associations into SQLite, then time searches.

Targets (issue): import <= 3 s; search p50 <= 1 ms, p99 <= 5 ms per query, in process.
Run: ``python -m bench.bench_directory [--count N] [--queries N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from babel import Locale

from bench.make_directory import rows, write_csv
from core.audit import Actor
from core.db.engine import Database
from core.db.models import Base
from core.directory.importer import import_file
from core.directory.search import DirectorySearch
from core.imports import ImportLimits
from core.i18n import SUPPORTED_LANGUAGES


def typo(rng: random.Random, text: str) -> str:
    """One random edit (swap, drop, replace), as people make them."""
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice("aeiourstn") + text[i + 1 :]


def make_queries(count: int, seed: int = 11) -> list[tuple[str, str | None]]:
    """(kind, query) pairs: exact names and cities, prefixes, typos, country names in every language."""
    rng = random.Random(seed)
    data = rows(10_000)
    codes = sorted({row["country"] for row in data})
    queries: list[tuple[str, str]] = []
    while len(queries) < count:
        row = rng.choice(data)
        kind = rng.choice(("name", "city", "prefix", "typo", "country", "country-typo", "words"))
        if kind == "name":
            queries.append((kind, row["name"]))
        elif kind == "city":
            queries.append((kind, row["city"]))
        elif kind == "prefix":
            queries.append((kind, row["city"][: rng.randint(3, max(3, len(row["city"]) - 1))]))
        elif kind == "typo":
            queries.append((kind, typo(rng, row["city"])))
        elif kind in ("country", "country-typo"):
            language = rng.choice(SUPPORTED_LANGUAGES)
            name = Locale.parse(language).territories.get(rng.choice(codes), "")
            queries.append((kind, typo(rng, name) if kind == "country-typo" else name))
        else:
            words = row["name"].split()
            queries.append((kind, " ".join(rng.sample(words, min(2, len(words))))))
    return queries


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main(count: int, query_count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory.csv"
        with path.open("w", encoding="utf-8") as out:
            write_csv(count, out)
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        limits = ImportLimits(max_rows=max(count, ImportLimits().max_rows))  # --count 100000 is past the default
        started = time.perf_counter()
        report = await import_file(db, path, actor=Actor.command_line(), limits=limits)
        print(f"import {count} rows: {time.perf_counter() - started:.2f} s (created {report.created}, rejected {len(report.rejected)})")
        started = time.perf_counter()
        again = await import_file(db, path, actor=Actor.command_line(), limits=limits)
        print(f"re-import (all unchanged={again.unchanged}): {time.perf_counter() - started:.2f} s")

        search = DirectorySearch(db)
        started = time.perf_counter()
        await search.search("warm-up")
        print(f"index build: {(time.perf_counter() - started) * 1000:.0f} ms")
        queries = make_queries(query_count)
        for label, memo in (("cold (first time each query)", False), ("warm (repeated queries)", True)):
            timings: dict[str, list[float]] = {}
            for kind, query in queries:
                if not memo:
                    (await search.index())._expansions.clear()
                started = time.perf_counter()
                await search.search(query)
                timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            every = [t for values in timings.values() for t in values]
            print(f"search, {label}: {len(every)} queries  p50 {percentile(every, .5):.3f} ms  p99 {percentile(every, .99):.3f} ms  max {max(every):.2f} ms")
            for kind, values in sorted(timings.items()):
                print(f"   {kind:<13} n={len(values):<5} p50 {percentile(values, .5):.3f} ms  p99 {percentile(values, .99):.3f} ms")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3_000)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.queries))

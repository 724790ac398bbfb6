"""Directory benchmark: import synthetic associations into SQLite, then time searches as a member sees them.

For 10,000 and 100,000 associations (``--count N`` for one size, ``--quick`` for 10,000 and fewer
queries), it prints, each figure with its target (MISSED, and exit status 1, when one is missed)
and the load average:

- the import; the index build alone (target <= 5 s) and the index's memory (tracemalloc);
- cold search: the first search after a start, the rows read and the index built included
  (target <= 5 s);
- search time per query (in process, ``DirectorySearch.search``), first time each query (every
  memo emptied) and repeated: p50 and p99 (target p99 <= 2 ms at every size), and the CPU time
  of the searching thread beside it: on a loaded machine the wall time's p99 is the scheduler's;
- the same per class of query, and by result size: the cost must follow the result size,
  not how common the query's words are (a common word must cost no more than a rare one).

The queries are drawn from the rows actually loaded (``make_queries`` says how): names, rare
and common words of names, cities and their other names, countries in eleven languages, other
scripts, typos, missing accents, prefixes. Run:
``python -m bench.bench_directory [--count N] [--queries N] [--quick]``.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from collections import Counter
from pathlib import Path

from babel import Locale

from bench.make_directory import write_csv
from bench.stats import percentile
from core.audit import Actor
from core.db.engine import Database
from core.db.models import Base
from core.directory.city_names import city_names
from core.directory.importer import import_file
from core.directory.index import DirectoryIndex, Entry
from core.directory.search import DirectorySearch
from core.imports import ImportLimits
from core.text import fold

TARGET_BUILD_S = 5.0
TARGET_COLD_S = 5.0
TARGET_P99_MS = 2.0
TARGET_IMPORT_S_PER_10K = 3.0
# The common word may cost at most this many times the queries with small results (p99).
TARGET_COMMON_RATIO = 1.5
SMALL_RESULT = 100
# Languages whose country names are typed (the bot's own and the names index's).
LATIN_LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "vi", "tr")
OTHER_SCRIPTS = ("ar", "ru", "zh_Hans")
# Class of query -> its weight in the mix.
MIX = {
    "name": 8, "rare word": 12, "two words": 8, "common word": 4, "common+rare": 6, "city": 12,
    "city other name": 6, "other script": 8, "country": 10, "typo": 12, "no accents": 6, "prefix": 8,
}
missed: list[str] = []


def check(label: str, value: float, target: float, unit: str) -> str:
    """``value unit (target <= target)``, with MISSED recorded when over."""
    verdict = "" if value <= target else "  MISSED"
    if verdict:
        missed.append(label)
    return f"{value:.3f} {unit} (target <= {target:g} {unit}){verdict}"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min, 2 cores)"


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


def without_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def _latin(text: str) -> bool:
    return all(ch.isascii() or not ch.isalpha() for ch in without_accents(text))


def make_queries(entries: list[Entry], count: int, seed: int = 11) -> list[tuple[str, str]]:
    """(class, query) pairs drawn from the loaded rows, classes weighted as in ``MIX``.

    Each query takes a random loaded association: its name, a word of its name (the rarest
    one, or a common one with or without a rare one), its city (as written, or another name of
    the city in a Latin or another script), its country in one of eleven languages, a typo of
    its city or of a word of its name, its name or city without accents, a prefix of its city.
    """
    rng = random.Random(seed)
    frequency = Counter(word for entry in entries for word in set(fold(entry.name).split()))
    common = [word for word, _ in frequency.most_common(12)]
    names_of: dict[tuple[str, str], tuple[str, ...]] = {}
    territories = {language: Locale.parse(language).territories for language in (*LATIN_LANGUAGES, *OTHER_SCRIPTS)}
    classes, weights = zip(*MIX.items())
    queries: list[tuple[str, str]] = []
    while len(queries) < count:
        entry = rng.choice(entries)
        kind = rng.choices(classes, weights)[0]
        words = fold(entry.name).split()
        rare = min(words, key=lambda word: (frequency[word], word))
        key = (entry.country_code, entry.city)
        if key not in names_of:
            names_of[key] = city_names(entry.country_code, fold(entry.city))[1:]
        others = names_of[key]
        if kind == "name":
            query = entry.name
        elif kind == "rare word":
            query = rare
        elif kind == "two words":
            query = " ".join(rng.sample(entry.name.split(), min(2, len(entry.name.split()))))
        elif kind == "common word":
            query = rng.choice(common)
        elif kind == "common+rare":
            query = f"{rng.choice([w for w in words if w in common] or common)} {rare}"
        elif kind == "city":
            query = entry.city
        elif kind == "city other name":
            latin = [name for name in others if _latin(name)]
            query = rng.choice(latin) if latin else entry.city
        elif kind == "other script":
            scripts = [name for name in others if not _latin(name)]
            if scripts and rng.random() < 0.5:
                query = rng.choice(scripts)
            else:
                query = territories[rng.choice(OTHER_SCRIPTS)].get(entry.country_code, "")
        elif kind == "country":
            query = territories[rng.choice(LATIN_LANGUAGES)].get(entry.country_code, "")
        elif kind == "typo":
            long_words = [w for w in entry.name.split() if len(w) >= 5]
            query = typo(rng, entry.city if rng.random() < 0.5 or not long_words else rng.choice(long_words))
        elif kind == "no accents":
            accented = [text for text in (entry.name, entry.city) if without_accents(text) != text]
            query = without_accents(rng.choice(accented) if accented else entry.name)
        else:
            city = entry.city
            query = city[: rng.randint(3, max(3, len(city) - 1))]
        if query.strip():
            queries.append((kind, query))
    return queries


async def time_queries(search: DirectorySearch, queries: list[tuple[str, str]], *, cold: bool):
    """[(class, query, milliseconds, results, postings visited, CPU milliseconds)] for each query."""
    index = await search.index()
    timings = []
    for kind, query in queries:
        if cold:
            index.forget()
        before = index.terms.counters.postings
        started, cpu = time.perf_counter(), time.thread_time()
        results = await search.search(query)
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000
        timings.append((kind, query, elapsed, results.total, index.terms.counters.postings - before, cpu))
    return timings


def report(label: str, count: int, timings) -> None:
    every = [t[2] for t in timings]
    cpu = [t[5] for t in timings]
    print(f"search, {label}: {len(every)} queries  p50 {percentile(every, .5):.3f} ms  p99 "
          f"{check(f'p99 {label} {count}', percentile(every, .99), TARGET_P99_MS, 'ms')}  max {max(every):.2f} ms")
    print(f"   CPU time of the searching thread (what the load does not add): p50 {percentile(cpu, .5):.3f} ms  "
          f"p99 {percentile(cpu, .99):.3f} ms  max {max(cpu):.2f} ms")
    by_kind: dict[str, list] = {}
    for timing in timings:
        by_kind.setdefault(timing[0], []).append(timing)
    print(f"   {'class':<16} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'cpu p99':>8} {'results p50':>12} {'postings read':>14}")
    for kind in MIX:
        part = by_kind.get(kind, [])
        if part:
            ms = [t[2] for t in part]
            print(f"   {kind:<16} {len(part):>5} {percentile(ms, .5):>8.3f} {percentile(ms, .99):>8.3f} "
                  f"{percentile([t[5] for t in part], .99):>8.3f} "
                  f"{percentile([t[3] for t in part], .5):>12.0f} {sum(t[4] for t in part) / len(part):>14.0f}")
    print("   by result size (cost must follow it):")
    buckets = ((0, 10), (11, 100), (101, 1_000), (1_001, 10_000), (10_001, 10**9))
    for low, high in buckets:
        ms = [t[2] for t in timings if low <= t[3] <= high]
        if ms:
            cpu_ms = [t[5] for t in timings if low <= t[3] <= high]
            print(f"   {low:>7,}-{min(high, count):<7,} n={len(ms):<5} p50 {percentile(ms, .5):.3f} ms  p99 {percentile(ms, .99):.3f} ms"
                  f"  cpu p99 {percentile(cpu_ms, .99):.3f} ms")
    small = [t[2] for t in timings if t[3] <= SMALL_RESULT]
    common = [t[2] for t in by_kind.get("common word", [])]
    if small and common:
        ratio = percentile(common, .99) / percentile(small, .99)
        print(f"   common word p99 / p99 of results <= {SMALL_RESULT}: {check(f'common ratio {label} {count}', ratio, TARGET_COMMON_RATIO, 'x')}")


async def run(count: int, query_count: int, *, reimport: bool, memory: bool) -> None:
    print(f"== {count:,} associations   {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory.csv"
        with path.open("w", encoding="utf-8") as out:
            write_csv(count, out)
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        limits = ImportLimits(max_rows=max(count, ImportLimits().max_rows))  # --count 100000 is past the default
        started = time.perf_counter()
        imported = await import_file(db, path, actor=Actor.command_line(), limits=limits)
        target = TARGET_IMPORT_S_PER_10K * max(1, count / 10_000)
        print(f"import: {check(f'import {count}', time.perf_counter() - started, target, 's')}"
              f"  (created {imported.created}, rejected {len(imported.rejected)})")
        if reimport:
            started = time.perf_counter()
            again = await import_file(db, path, actor=Actor.command_line(), limits=limits)
            print(f"re-import (all unchanged={again.unchanged}): {time.perf_counter() - started:.2f} s")

        search = DirectorySearch(db)
        gc.collect()
        started = time.perf_counter()
        await search.search("lycee")
        print(f"cold search (first after a start: rows read + index built + query): "
              f"{check(f'cold {count}', time.perf_counter() - started, TARGET_COLD_S, 's')}")
        index = await search.index()
        entries = list(index.entries)
        started = time.perf_counter()
        DirectoryIndex(entries)
        print(f"index build alone (rows in memory): {check(f'build {count}', time.perf_counter() - started, TARGET_BUILD_S, 's')}")
        if memory:
            gc.collect()
            tracemalloc.start()
            measured = DirectoryIndex(entries)
            size = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            del measured
            print(f"index memory (tracemalloc, entries themselves excluded): {size / 2**20:.1f} MiB, {size / count:.0f} bytes per association")

        queries = make_queries(entries, query_count)
        shares = Counter(kind for kind, _ in queries)
        print(f"query mix: {len(queries)} queries drawn (seed 11) from the loaded rows: "
              + ", ".join(f"{kind} {shares[kind]}" for kind in MIX))
        rng = random.Random(5)
        print("   e.g. " + " | ".join(f"{kind}: {query!r}" for kind, query in rng.sample(queries, 8)))
        print(f"   {load()}")
        report("first time each query (memos emptied)", count, await time_queries(search, queries, cold=True))
        report("repeated queries (memos warm)", count, await time_queries(search, queries, cold=False))
        print(f"   {load()}")
        await db.dispose()


async def main(counts: list[int], query_count: int, *, reimport: bool, memory: bool) -> int:
    for count in counts:
        await run(count, query_count, reimport=reimport, memory=memory)
    if missed:
        print(f"MISSED: {', '.join(missed)}")
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, help="one directory size (default: 10,000 then 100,000)")
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--quick", action="store_true", help="10,000 associations, 1,000 queries")
    parser.add_argument("--reimport", action="store_true", help="also time importing the same file again")
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow) tracemalloc build")
    args = parser.parse_args()
    sizes = [args.count] if args.count else [10_000] if args.quick else [10_000, 100_000]
    queries = 1_000 if args.quick and args.queries == 3_000 else args.queries
    sys.exit(asyncio.run(main(sizes, queries, reimport=args.reimport, memory=not args.no_memory)))

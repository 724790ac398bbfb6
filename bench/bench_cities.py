"""The city data behind ``/timezone`` (and, later, the directory): size on disk, first load, lookups.

Usage: .venv/bin/python -m bench.bench_cities
Prints figures only; no threshold (the machine's load moves them).
"""
from __future__ import annotations

import time
import tracemalloc

from core.geo import cities
from core.geo.timezones import find_zone

QUERIES = ("Lyon", "Le Caire", "القاهرة", "Лион", "Hà Nội", "London, Canada", "Valencia", "Springfield", "UTC+1",
           "Europe/Berlin", "Sfaks", "Beyrouth")
NEAR_MISSES = ("Dusseldrof", "Marseile", "Xyzzyq")


def main() -> None:
    size = sum(path.stat().st_size for path in cities.DATA.glob("*.tsv"))
    print(f"data files: {size / 1e6:.2f} MB")
    tracemalloc.start()
    started = time.perf_counter()
    cities.cities_named("Lyon")
    load = time.perf_counter() - started
    memory = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"first load (traced, so slower than untraced): {load * 1000:.0f} ms, peak {memory / 1e6:.0f} MB")
    cities._table.cache_clear()
    started = time.perf_counter()
    cities.cities_named("Lyon")
    print(f"first load: {(time.perf_counter() - started) * 1000:.0f} ms")
    find_zone("warm up")
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        for query in QUERIES:
            find_zone(query)
    print(f"exact lookup (city, zone or offset): {(time.perf_counter() - started) / (rounds * len(QUERIES)) * 1e6:.0f} µs")
    started = time.perf_counter()
    for query in NEAR_MISSES:
        find_zone(query)
    print(f"near miss (typo-tolerant): {(time.perf_counter() - started) / len(NEAR_MISSES) * 1000:.1f} ms")


if __name__ == "__main__":
    main()

"""Planning an announcement to 100,000 members in 4 languages over 3 platforms, on SQLite.

Recipients resolved, texts localized, outbox rows written: prints seconds and rows per second
(target <= 3 s on the project's 2-core machine, in proportion for a smaller ``--members``). The members, identities and memberships are
bulk-inserted beforehand and not timed. Only the planning call is timed, in-process: interpreter
start-up and imports are not planning, nor are the first-use costs of a new process (catalogs,
SQL statement compilation), paid by a first planning to a small warm-up channel, printed apart.

Run from the repository root: ``python -m bench.bench_announce [--members N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from core.announcements.planning import create_announcement, plan_announcement
from core.app import App, open_app
from core.audit import Actor
from core.config import Settings
from core.db.models import Announcement, Channel, Delivery
from core.warmup import warm_up

PLATFORMS = ("telegram", "discord", "slack")
TARGET_SECONDS = 3.0  # for 100,000 members; a smaller --members run scales it down (planning is linear)
WARM_UP_MEMBERS = 500
READER_LANGUAGES = ("fr", "en", "ar", "es", "de", "pt", None)  # de, pt and unknown readers fall back
TEXTS = {
    "fr": "Le Forum professionnel aura lieu à Tunis le 12 décembre. Inscrivez-vous avant le 1er décembre !",
    "en": "The Professional Forum takes place in Tunis on 12 December. Register before 1 December!",
    "ar": "سيُعقد المنتدى المهني في تونس يوم 12 ديسمبر. سجّلوا قبل 1 ديسمبر!",
    "es": "El Foro Profesional se celebra en Túnez el 12 de diciembre. ¡Inscríbete antes del 1 de diciembre!",
}


def populate(path: str, members: int, channel_id: int) -> None:
    """Bulk rows through sqlite3 directly: a tenth of the members have a second linked identity,
    one in twenty muted the channel."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    connection = sqlite3.connect(path)
    with connection:
        start = (connection.execute("SELECT COALESCE(MAX(id), 0) FROM members").fetchone()[0]) + 1
        ids = range(start, start + members)
        connection.executemany(
            "INSERT INTO members (id, language, country_code, timezone, created_at, updated_at) VALUES (?, ?, 'TN', 'Africa/Tunis', ?, ?)",
            ((i, READER_LANGUAGES[i % len(READER_LANGUAGES)], now, now) for i in ids),
        )
        identities = [(i, PLATFORMS[i % 3], f"u{i}", now) for i in ids]
        identities += [(i, PLATFORMS[(i + 1) % 3], f"v{i}", now) for i in ids if i % 10 == 0]
        connection.executemany(
            "INSERT INTO identities (member_id, platform, user_id, created_at) VALUES (?, ?, ?, ?)", identities
        )
        connection.executemany(
            "INSERT INTO memberships (member_id, channel_id, muted, joined_at) VALUES (?, ?, ?, ?)",
            ((i, channel_id, i % 20 == 0, now) for i in ids),
        )
    connection.close()


async def plan(app: App, channel_id: int) -> tuple[float, int, int, int]:
    """Seconds of the planning call alone, then the rows and platforms it wrote, and the announcement."""
    started = time.perf_counter()
    async with app.db.transaction() as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        announcement = await create_announcement(
            session, channel, TEXTS, fallback=["fr", "en"], sender_name="Bench Ambassador", actor=Actor.command_line()
        )
    elapsed = time.perf_counter() - started
    async with app.db.transaction() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.announcement_id == announcement.id)
        )
        platforms = await session.scalar(
            select(func.count(func.distinct(Delivery.platform))).where(Delivery.announcement_id == announcement.id)
        )
    return elapsed, int(rows or 0), int(platforms or 0), announcement.id


async def main(members: int) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/bench.db"
        app = await open_app(Settings(database_url=f"sqlite:///{path}"))
        async with app.db.transaction() as session:
            channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
            assert channel is not None
            channel_id = channel.id
            warm = Channel(slug="bench-warm-up", kind="theme")
            session.add(warm)
            await session.flush()
            warm_id = warm.id
        populate(path, members, channel_id)
        populate(path, WARM_UP_MEMBERS, warm_id)
        await warm_up(app)  # catalogs, as a bot process does at start
        first, first_rows, _platforms, _id = await plan(app, warm_id)
        elapsed, rows, platforms, announcement_id = await plan(app, channel_id)
        again = time.perf_counter()
        async with app.db.transaction() as session:
            announcement = await session.get(Announcement, announcement_id)
            assert announcement is not None
            await plan_announcement(session, announcement)
        replan = time.perf_counter() - again
        await app.close()
    target = TARGET_SECONDS * members / 100_000
    met = elapsed <= target
    print(f"first planning in this process (warm-up channel, {first_rows:,} rows; first-use costs, not counted): "
          f"{first * 1000:.0f} ms")
    print(
        f"announcement planning: {members:,} members, {rows:,} outbox rows over {platforms} platforms, "
        f"{len(TEXTS)} languages: {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s, {elapsed / rows * 1e6:.1f} µs a row; "
        f"target <= {target:g} s: {'met' if met else 'MISSED'})"
    )
    print(f"planning again (idempotent, nothing new written): {replan:.2f} s")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine: figures are noisy)")
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    if not asyncio.run(main(parser.parse_args().members)):
        sys.exit(1)

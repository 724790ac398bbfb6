"""Planning an announcement to 100,000 members in 4 languages over 3 platforms, on SQLite.

Recipients resolved, texts localized, outbox rows written: prints seconds and rows per second
(target <= 3 s on the project's 2-core machine). The members, identities and memberships are
bulk-inserted beforehand and not timed.

Run from the repository root: ``python -m bench.bench_announce [--members N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from core.announcements.planning import create_announcement
from core.app import open_app
from core.audit import Actor
from core.config import Settings
from core.db.models import Channel, Delivery

PLATFORMS = ("telegram", "discord", "slack")
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


async def main(members: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/bench.db"
        app = await open_app(Settings(database_url=f"sqlite:///{path}"))
        async with app.db.transaction() as session:
            channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
            assert channel is not None
            channel_id = channel.id
        populate(path, members, channel_id)
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
        again = time.perf_counter()
        from core.announcements.planning import plan_announcement

        async with app.db.transaction() as session:
            await plan_announcement(session, announcement)
        replan = time.perf_counter() - again
        await app.close()
    rows = int(rows or 0)
    print(
        f"announcement planning: {members:,} members, {rows:,} outbox rows over {platforms} platforms, "
        f"{len(TEXTS)} languages: {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s; target <= 3 s)"
    )
    print(f"planning again (idempotent, nothing new written): {replan:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().members))

"""Events benchmark: an edit of an event that N members answered (notices rendered per language and
reminders planned again), and one member's answer, on SQLite.

Run: ``python -m bench.bench_events [--members N]``. Prints seconds and rows per second.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from core.audit import Actor
from core.channels import ensure_channels
from core.db.engine import Database
from core.db.models import Base, Delivery, Event, Identity, Member, Rsvp
from core.db.types import utcnow
from core.events.rsvp import answer
from core.events.service import EventInput, create_event, input_of, update_event
from core.i18n import SUPPORTED_LANGUAGES

ZONES = ("Europe/Paris", "Africa/Tunis", "America/New_York", "Asia/Beirut", "America/Sao_Paulo", "Europe/Berlin")


async def run(members: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with db.transaction() as session:
            await ensure_channels(session)
            start = datetime(utcnow().year + 1, 6, 10, 19, 0)
            event, _valid = await create_event(
                session,
                EventInput(texts={"fr": {"title": "Forum", "description": ""}}, language="fr", starts_local=start,
                           ends_local=start + timedelta(hours=2), timezone="Europe/Paris", place="Paris", country_code="FR"),
                Actor.command_line(),
            )
            event_id = event.id
            await session.execute(insert(Member), [
                {"id": i, "language": SUPPORTED_LANGUAGES[i % 6], "timezone": ZONES[i % 6], "created_at": utcnow(), "updated_at": utcnow()}
                for i in range(1, members + 1)
            ])
            await session.execute(insert(Identity), [
                {"member_id": i, "platform": "telegram", "user_id": str(i), "created_at": utcnow()} for i in range(1, members + 1)
            ])
            await session.execute(insert(Rsvp), [
                {"event_id": event_id, "member_id": i, "answer": "yes" if i % 3 else "maybe", "waitlisted": False,
                 "answered_at": utcnow()} for i in range(1, members + 1)
            ])
        began = time.perf_counter()
        async with db.transaction() as session:
            stored = await session.get(Event, event_id)
            assert stored is not None
            data = await input_of(session, stored)
            data.starts_local += timedelta(hours=1)
            data.ends_local = data.starts_local + timedelta(hours=2)
            await update_event(session, stored, data, Actor.command_line())
        elapsed = time.perf_counter() - began
        async with db.transaction() as session:
            rows = int(await session.scalar(select(func.count()).select_from(Delivery)) or 0)
        print(f"edit of an event answered by {members} members: {elapsed:.2f} s, {rows} outbox rows "
              f"({rows / elapsed:,.0f} rows/s: one notice and two reminders each)")

        timings = []
        for i in range(1, 201):
            began = time.perf_counter()
            async with db.transaction() as session:
                await answer(session, event_id, i, "maybe" if i % 2 else "no")
            timings.append(time.perf_counter() - began)
        timings.sort()
        print(f"one answer (RSVP + reminders replanned): p50 {statistics.median(timings) * 1000:.1f} ms, "
              f"p99 {timings[int(len(timings) * 0.99) - 1] * 1000:.1f} ms")
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(run(args.members))


if __name__ == "__main__":
    main()

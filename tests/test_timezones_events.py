"""Events across a daylight-saving change, and the start asked in ``/newevent``: through the real chat path."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Event
from core.db.types import utcnow
from tests.chat import Person
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures
from tests.events_helpers import make_event, member_with


def spring_forward() -> date:
    """Next year's last Sunday of March: Paris's clocks jump from 02:00 to 03:00 that night."""
    year = utcnow().year + 1
    return max(date(year, 3, day) for day in range(25, 32) if date(year, 3, day).weekday() == 6)


async def _admin(db: Database) -> Person:
    await member_with(db, "admin", language="en", country="FR", zone="Europe/Paris", role="administrator")
    return Person(CommandService(db), user_id="admin")


async def _up_to_the_end(person: Person, start: str) -> None:
    await person.send("/newevent")
    await person.send("Night walk")
    await person.press("Skip")
    await person.press("Continue")
    await person.send(start)


async def _night_walk(db: Database, end: str) -> tuple[str, Event]:
    """An event from 01:30 on the night the clocks jump forward, ``end`` answered (a duration or a clock
    time); the preview's text and the event stored once confirmed."""
    person = await _admin(db)
    await _up_to_the_end(person, f"{spring_forward()} 01:30")
    await person.send(end)
    await person.press("Paris")
    await person.send("Pont des Arts, Paris")
    await person.press("Skip")
    await person.press("France")
    await person.send("0")
    preview = person.text()
    await person.press("Create")
    async with db.transaction() as session:
        event = await session.scalar(select(Event).order_by(Event.id.desc()))
        assert event is not None
        return preview, event


async def test_a_duration_is_real_time_across_the_change(db: Database) -> None:
    preview, event = await _night_walk(db, "2h")
    assert "4:30" in preview and "real time" in preview
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert event.ends_local == datetime.combine(spring_forward(), datetime.min.time()).replace(hour=4, minute=30)


async def test_an_end_given_as_a_clock_time_is_kept(db: Database) -> None:
    preview, event = await _night_walk(db, "03:30")
    assert "3:30" in preview and "local time" in preview and "1 hour" in preview
    assert event.ends_at - event.starts_at == timedelta(hours=1)


def test_the_command_line_says_which_too(cli) -> None:  # noqa: ANN001
    night = spring_forward()
    code, out, err = cli("events", "create", "--title", "Night walk", "--start", f"{night} 01:30",
                         "--timezone", "Europe/Paris", "--duration", "2h", "--country", "FR", "--place", "Paris")
    assert code == 0, err
    assert "4:30" in err and "real time" in err


async def test_a_past_start_is_refused_at_the_date_step_and_the_example_is_ahead(db: Database) -> None:
    person = await _admin(db)
    await _up_to_the_end(person, "2020-01-10 18:30")
    assert "already past" in person.text() and "When does it start" in person.text()
    examples = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", person.text())
    assert examples and all(datetime.fromisoformat(e) > datetime.now() for e in examples)
    await person.send(f"{spring_forward()} 18:30")
    assert "How long does it last" in person.text()


async def test_editevent_takes_a_duration_as_real_time_too(db: Database) -> None:
    person = await _admin(db)
    start = datetime.combine(spring_forward(), datetime.min.time()).replace(hour=1, minute=30)
    event_id = await make_event(db, start, "Europe/Paris", hours=3)  # 04:30, 2 real hours later
    await person.send(f"/editevent {event_id} end 1h")  # 03:30: a wall-clock 02:30 would not exist
    async with db.transaction() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        assert event.ends_at - event.starts_at == timedelta(hours=1) and event.ends_local.hour == 3

"""An aside in brackets is written with the reader's brackets: Chinese puts full-width （） with no space before them,
and no reader gets brackets nested in brackets."""
from __future__ import annotations

from datetime import timedelta

from core.commands.service import CommandService
from core.db.engine import Database
from core.db.types import utcnow
from tests.chat import Person
from tests.events_helpers import make_event, member_with


async def test_the_new_event_preview_gives_its_zone_in_chinese_brackets(db: Database) -> None:
    await member_with(db, "li", language="zh_Hans", country="CN", zone="Asia/Shanghai", role="administrator")
    person = Person(CommandService(db), user_id="li")
    await person.send("/newevent")
    await person.send("上海校友聚会")
    await person.press("跳过")
    await person.press("继续")
    await person.send(f"{(utcnow() + timedelta(days=3)).date()} 19:00")
    await person.send("2h")
    await person.press("上海")
    await person.send("南京西路1号")
    await person.press("跳过")
    await person.press("中国")
    await person.send("0")
    preview = person.text()
    assert "（上海）" in preview and "(" not in preview, preview


async def test_the_organiser_clock_of_an_event_is_not_bracketed_twice(db: Database) -> None:
    start = (utcnow() + timedelta(days=3)).replace(hour=18, minute=30, second=0, microsecond=0, tzinfo=None)
    event_id = await make_event(db, start)  # in Paris
    await member_with(db, "li", language="zh_Hans", country="CN", zone="Asia/Shanghai")
    await member_with(db, "ann", language="en", country="US", zone="America/New_York")
    chinese, english = Person(CommandService(db), user_id="li"), Person(CommandService(db), user_id="ann")
    await chinese.send(f"/event {event_id}")
    await english.send(f"/event {event_id}")
    assert "当地时间" in chinese.text() and "(" not in chinese.text(), chinese.text()
    assert "local time (Paris)" in english.text() and "((" not in english.text() and "))" not in english.text(), english.text()

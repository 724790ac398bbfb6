"""The ``announce`` flow end to end through the command layer, as an ambassador and an administrator would use it."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from core.announcements.jobs import report_settled
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind
from core.db.engine import Database
from core.db.models import Announcement, Conversation, Delivery
from core.db.types import utcnow
from core.delivery.payload import reply_to_json
from core.i18n import _, use_language
from tests.announce_helpers import by_target, person, rows
from tests.chat import Person


def said(language: str, msgid: str, **params: object) -> str:
    """A message as the reader sees it, whether or not its catalog has it yet."""
    with use_language(language):
        return _(msgid).format(**params) if params else _(msgid)


async def _tunisia(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "console", "amb", language="fr", role="ambassador", country="TN")
        await person(session, "telegram", "f", language="fr", channels=("tn",))
        await person(session, "slack", "e", language="en", channels=("tn",))
        await person(session, "discord", "a", language="ar", channels=("tn",))


async def test_ambassador_announces_to_tunisia_in_french_and_english(db: Database) -> None:
    await _tunisia(db)
    amb = Person(CommandService(db), user_id="amb")
    await amb.send("/announce")  # one channel: chosen without asking
    assert "Tunisie" in amb.text()
    await amb.send("Bonjour à tous !\nRendez-vous samedi au forum.")
    assert {b.action for b in amb.buttons()} >= {"announce +en", "announce +ar", "announce !preview"}

    restarted = Database(db.url)  # the draft is in the database: a restarted process carries on
    try:
        amb = Person(CommandService(restarted), user_id="amb", last=amb.last)
        await amb.press_action("announce +en")
        await amb.send("Hello everyone!\nSee you on Saturday at the forum.")
        await amb.press_action("announce !preview")
        versions, summary = amb.last[:-1], amb.last[-1]
        assert [(v.language, v.text) for v in versions] == [
            ("fr", "Bonjour à tous !\nRendez-vous samedi au forum."),
            ("en", "Hello everyone!\nSee you on Saturday at the forum."),
        ]
        assert "Tunisie" in (versions[0].title or "") and "Tunisia" in (versions[1].title or "")
        assert "user amb" in (versions[0].title or "")
        assert "3" in summary.text
        await amb.press_action("announce !confirm")
        assert "3" in amb.text()
    finally:
        await restarted.dispose()

    got = await by_target(db)
    assert got["f"]["text"] == "Bonjour à tous !\nRendez-vous samedi au forum."
    assert got["e"]["text"] == "Hello everyone!\nSee you on Saturday at the forum."
    assert got["a"]["text"] == "Bonjour à tous !\nRendez-vous samedi au forum."  # no Arabic: the first version given
    assert "تونس" in got["a"]["title"]  # but the header speaks the reader's language
    assert got["f"] == reply_to_json(versions[0])  # the preview is exactly what readers get
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0
        await session.execute(Delivery.__table__.update().values(status="sent"))
    await report_settled(db)
    [report] = await rows(db, "report")
    assert (report.platform, report.target) == ("console", "amb")


async def test_administrator_schedules_with_validated_answers(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "console", "root", language="en", role="administrator")
        await person(session, "telegram", "h", language="en", channels=("health",))
    admin = Person(CommandService(db), user_id="root")
    await admin.send("/announce")
    assert "announce health" in {b.action for b in admin.buttons()}
    await admin.send("Atlantis")  # typed instead of tapped: checked like any answer
    assert admin.text() == said("en", "There is no channel “{value}”.", value="\u2068Atlantis\u2069")
    await admin.send("Santé")
    assert "Health" in admin.text()
    await admin.send("x" * 3001)
    assert "3000" in admin.text().replace(",", "").replace("\u202f", "").replace(".", "")
    await admin.send("Health week starts Monday.")
    await admin.press_action("announce !preview")
    await admin.press_action("announce !schedule")
    await admin.send("tomorrow evening")
    shown = re.search(r"\d{4}-\d\d-\d\d 18:30", admin.text())  # an example ahead, never a date gone by
    assert shown is not None and shown.group() > utcnow().strftime("%Y-%m-%d %H:%M")
    await admin.send("2020-01-01 10:00")
    assert admin.text() == said("en", "That time has already passed. Pick a time in the future.")
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    await admin.send(later)
    assert "1 recipient" in admin.last[-1].text
    await admin.press_action("announce !confirm")
    async with db.transaction() as session:
        announcement = await session.scalar(select(Announcement))
        assert announcement.status == "scheduled" and announcement.texts == {"en": "Health week starts Monday."}
        assert announcement.send_at.strftime("%Y-%m-%d %H:%M") == later
    assert await rows(db) == []


async def test_cancel_keeps_nothing_and_old_buttons_expire(db: Database) -> None:
    await _tunisia(db)
    amb = Person(CommandService(db), user_id="amb")
    await amb.send("/announce tn")
    await amb.send("Brouillon")
    await amb.press_action("announce !preview")
    old = amb.last  # the preview, with its Send button
    await amb.send("/cancel")
    amb.last = old
    await amb.press_action("announce !confirm")
    assert amb.text() == said("fr", "This announcement draft is no longer open. Send {hint} to start again.", hint="/announce")
    await amb.send("/announce tn")
    await amb.send("Autre brouillon")
    await amb.press_action("announce !cancel")  # a text was written: asked first
    await amb.press_action("announce !discard")
    assert amb.text() == said("fr", "Cancelled. Nothing was sent.")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0


async def test_not_in_group_chats(db: Database) -> None:
    await _tunisia(db)
    amb = Person(CommandService(db), user_id="amb", chat=Chat("-100", ChatKind.GROUP))
    await amb.send("/announce tn")
    assert amb.text() == said("fr", "Write to me in a private chat to prepare an announcement.")

"""Announcements in the core: rights, recipients, languages, idempotent planning, scheduling, reports."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.announcements.jobs import plan_due, plan_next, report_next, report_settled
from core.announcements.planning import claim_and_plan, count_recipients, create_announcement, plan_announcement, progress
from core.announcements.rights import may_announce
from core.announcements.schedule import parse_send_at
from core.announcements.texts import MAX_TEXT_LENGTH, TextError, clean_text
from core.audit import Actor
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Announcement, ChannelBinding, Delivery, Membership
from core.db.types import utcnow
from core.delivery.recipients import push_identities
from core.features import render_delivery
from core.features import periodic_jobs
from core.i18n import _, use_language
from core.memberships import leave
from tests.announce_helpers import add_identity, by_target, channel, person, rows
from tests.chat import Person

TEXTS = {"fr": "Bonjour la Tunisie", "en": "Hello Tunisia"}


# ---------------------------------------------------------------- rights

RIGHTS = [
    # (role, country of the role, channel, allowed)
    (None, None, "tn", False),
    ("ambassador", "DE", "tn", False),
    ("ambassador", "TN", "tn", True),
    ("ambassador", "TN", "health", False),
    ("administrator", None, "tn", True),
    ("administrator", None, "health", True),
]


@pytest.mark.parametrize("role, country, slug, allowed", RIGHTS)
async def test_rights_table(db: Database, caplog: pytest.LogCaptureFixture, role, country, slug, allowed) -> None:
    async with db.transaction() as session:
        sender = await person(session, "console", "sender", language="en", role=role, country=country)
        assert await may_announce(session, sender.id, await channel(session, slug)) is allowed
    caplog.set_level(logging.WARNING, logger="core.announcements.rights")
    chat = Person(CommandService(db), user_id="sender")
    await chat.send(f"/announce {slug}")
    if allowed:
        assert "Write its text in English" in chat.text()
        assert not caplog.records
    else:
        assert "You cannot announce to the" in chat.text()
        if slug == "health":
            assert "only the administrators can" in chat.text()
        else:
            assert "only the ambassadors of its country and the administrators can" in chat.text()
        assert any(f"member {sender.id}" in r.getMessage() and slug in r.getMessage() for r in caplog.records)
        async with db.transaction() as session:  # refused: no draft was opened
            assert await session.scalar(select(func.count()).select_from(Announcement)) == 0


async def test_no_role_at_all_is_refused_without_a_channel(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="core.announcements.rights")
    chat = Person(CommandService(db), user_id="nobody")
    await chat.send("/announce")
    assert "Only ambassadors and administrators can send announcements." in chat.text()
    assert caplog.records and "(any)" in caplog.records[0].getMessage()


# ---------------------------------------------------------------- recipients and languages


async def test_languages_with_fallback_and_localized_header(db: Database) -> None:
    async with db.transaction() as session:
        for user, language, locale in (
            ("fr1", "fr", None), ("en1", "en", None), ("ar1", "ar", None), ("de1", "de", None),
            ("loc", None, "fr-CA"), ("none", None, None),
        ):
            await person(session, "telegram", user, language=language, locale=locale, channels=("tn",))
        tn = await channel(session, "tn")
        announcement = await create_announcement(
            session, tn, {"fr": "Bonjour", "en": "Hello"}, fallback=["en", "fr"], sender_name="Leila\u202e\nBen", actor=Actor.command_line()
        )
        assert announcement.status == "planned"
    got = await by_target(db)
    assert {target: reply["text"] for target, reply in got.items()} == {
        "fr1": "Bonjour", "en1": "Hello", "ar1": "Hello", "de1": "Hello", "loc": "Bonjour", "none": "Hello",
    }
    with use_language("ar"):  # the header in the reader's language, the channel named in it
        expected = _("Announcement from {sender} to the {channel} channel").format(sender="\u2068Leila Ben\u2069", channel="تونس")
    assert got["ar1"]["title"] == expected
    assert "Tunesien" in got["de1"]["title"]
    assert "\u202e" not in got["fr1"]["title"] and "\n" not in got["fr1"]["title"]
    assert got["en1"]["language"] == "en" and not got["en1"]["rtl"]


async def test_default_fallback_is_the_order_given(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "telegram", "pt1", language="pt", channels=("tn",))
        await create_announcement(session, await channel(session, "tn"), {"ar": "مرحبا", "en": "Hello"}, actor=Actor.command_line())
    reply = (await by_target(db))["pt1"]
    assert (reply["text"], reply["language"], reply["rtl"]) == ("مرحبا", "ar", True)


async def test_muted_left_and_other_channels_get_nothing(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "telegram", "in", language="fr", channels=("tn",))
        muted = await person(session, "telegram", "muted", language="fr", channels=("tn",))
        left = await person(session, "telegram", "left", language="fr", channels=("tn",))
        await person(session, "telegram", "other", language="fr", channels=("de",))
        tn = await channel(session, "tn")
        await session.execute(update(Membership).where(Membership.member_id == muted.id).values(muted=True))
        await leave(session, left.id, tn)
        assert await count_recipients(session, tn.id) == 1
        await create_announcement(session, tn, TEXTS, actor=Actor.command_line())
    assert [d.target for d in await rows(db)] == ["in"]


async def test_linked_member_gets_one_delivery_on_the_push_identity(db: Database) -> None:
    async with db.transaction() as session:
        member = await person(session, "console", "c1", language="fr", channels=("tn",))
        await add_identity(session, member, "telegram", "t1")
        slack = await add_identity(session, member, "slack", "s1")
        gone = await add_identity(session, member, "discord", "d1")
        gone.unreachable_since = utcnow()
        await session.flush()
        expected = (await push_identities(session, [member.id]))[member.id]
        assert expected.id == slack.id
        await create_announcement(session, await channel(session, "tn"), TEXTS, actor=Actor.command_line())
    found = await rows(db)
    assert [(d.platform, d.target, d.identity_id, d.member_id) for d in found] == [("slack", "s1", slack.id, member.id)]


async def test_bound_chats_once_each_and_planning_twice_writes_nothing(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "telegram", "m1", language="fr", channels=("tn",))
        tn = await channel(session, "tn")
        session.add_all(
            [
                ChannelBinding(status="approved", channel_id=tn.id, platform="telegram", chat_id="-1001", title="Tunisie"),
                ChannelBinding(status="approved", channel_id=tn.id, platform="slack", chat_id="C42", title="tunisia"),
                ChannelBinding(status="approved", channel_id=(await channel(session, "de")).id, platform="telegram", chat_id="-1002"),
            ]
        )
        await session.flush()
        assert await count_recipients(session, tn.id) == 3
        announcement = await create_announcement(session, tn, TEXTS, fallback=["en", "fr"], actor=Actor.command_line())
    first = await rows(db)
    chats = sorted((d.platform, d.target, d.to_chat) for d in first if d.to_chat)
    assert chats == [("slack", "C42", True), ("telegram", "-1001", True)]
    assert all(d.payload["body"]["text"] == "Hello Tunisia" for d in first if d.to_chat)  # the first fallback
    assert len({d.key for d in first}) == 3
    async with db.transaction() as session:
        await plan_announcement(session, await session.get(Announcement, announcement.id))
        assert not await claim_and_plan(session, announcement.id)  # already planned: nobody plans it again
    assert [d.id for d in await rows(db)] == [d.id for d in first]


async def test_rows_render_through_the_delivery_renderer(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "telegram", "m1", language="fr", channels=("tn",))
        await create_announcement(session, await channel(session, "tn"), TEXTS, sender_name="Amel", actor=Actor.command_line())
    async with db.transaction() as session:
        delivery = await session.scalar(select(Delivery))
        reply = await render_delivery(session, delivery)
    assert reply is not None and reply.text == "Bonjour la Tunisie" and "Amel" in (reply.title or "")


# ---------------------------------------------------------------- texts and times


def test_text_cleaning() -> None:
    assert clean_text("  Line one\u202e\x00\n\n\n\nLine\ttwo  ") == "Line one\n\nLine two"
    with pytest.raises(TextError):
        clean_text(" \u202e\n ")
    with pytest.raises(TextError) as caught:
        clean_text("x" * (MAX_TEXT_LENGTH + 1))
    assert str(MAX_TEXT_LENGTH) in caught.value.localized()


def test_send_at_is_read_in_the_senders_zone() -> None:
    now = utcnow().replace(year=2026, month=3, day=1, hour=12, minute=0, second=0, microsecond=0)
    at = parse_send_at("2026-03-10 18:30", "Africa/Tunis", now=now)
    assert (at.hour, at.minute) == (17, 30)
    for bad in ("tomorrow", "2026-02-01 10:00", "2028-01-01 10:00", "2026-03-29 02:30"):
        with pytest.raises(TextError):
            parse_send_at(bad, "Europe/Paris", now=now)  # unreadable, past, too far, skipped by the DST change


# ---------------------------------------------------------------- jobs


async def test_jobs_are_registered() -> None:
    names = {job.name for job in periodic_jobs()}
    assert {"announcements.plan", "announcements.report"} <= names


async def test_scheduled_announcement_is_planned_only_when_due(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "telegram", "m1", language="fr", channels=("tn",))
        announcement = await create_announcement(
            session, await channel(session, "tn"), TEXTS, send_at=utcnow() + timedelta(hours=2), actor=Actor.command_line()
        )
        assert announcement.status == "scheduled"
    await plan_due(db)
    assert await rows(db) == []
    async with db.transaction() as session:
        await session.execute(
            update(Announcement).where(Announcement.id == announcement.id).values(send_at=utcnow() - timedelta(seconds=1))
        )
    await plan_due(db)
    await plan_due(db)
    assert [d.target for d in await rows(db)] == ["m1"]
    async with db.transaction() as session:
        assert (await session.get(Announcement, announcement.id)).status == "planned"


async def test_report_once_after_every_row_settled(db: Database) -> None:
    async with db.transaction() as session:
        sender = await person(session, "telegram", "amb", language="fr", role="ambassador", country="TN", name="Amel")
        for user in ("a", "b", "c", "d"):
            await person(session, "discord", user, language="fr", channels=("tn",))
        announcement = await create_announcement(session, await channel(session, "tn"), TEXTS, sender_id=sender.id, actor=Actor.command_line())

    async def mark(target: str, status: str) -> None:
        async with db.transaction() as session:
            await session.execute(update(Delivery).where(Delivery.target == target).values(status=status))

    await report_settled(db)
    assert await rows(db, "report") == []
    for target, status in (("a", "sent"), ("b", "sent"), ("c", "failed"), ("d", "sending")):
        await mark(target, status)
    await report_settled(db)
    assert await rows(db, "report") == []  # one row still being sent
    await mark("d", "unreachable")
    await report_settled(db)
    await report_settled(db)
    reports = await rows(db, "report")
    assert len(reports) == 1
    report = reports[0]
    assert (report.platform, report.target, report.member_id) == ("telegram", "amb", sender.id)
    assert "2" in report.payload["reply"]["text"] and report.payload["reply"]["language"] == "fr"
    async with db.transaction() as session:
        assert (await session.get(Announcement, announcement.id)).status == "reported"
        assert await progress(session, announcement.id) == {
            "sent": 2, "failed": 1, "unreachable": 1, "skipped": 0, "cancelled": 0, "pending": 0,
        }


async def test_two_processes_never_plan_or_report_the_same_announcement(db: Database) -> None:
    async with db.transaction() as session:
        sender = await person(session, "telegram", "amb", language="fr", role="ambassador", country="TN")
        for user in range(20):
            await person(session, "discord", f"m{user}", language="fr", channels=("tn",))
        tn = await channel(session, "tn")
        later = utcnow() + timedelta(hours=1)
        ids = [
            (await create_announcement(session, tn, TEXTS, sender_id=sender.id, send_at=later, actor=Actor.command_line())).id for _ in range(3)
        ]
        await session.execute(update(Announcement).values(send_at=utcnow() - timedelta(seconds=1)))
    first, second = Database(db.url), Database(db.url)  # two processes' engines
    try:
        claimed = await asyncio.gather(*(plan_next(d) for d in (first, second, first, second)))
        assert sorted(c for c in claimed if c is not None) == ids  # each planned by exactly one process
        assert await rows(db) != [] and len(await rows(db)) == 60
        async with db.transaction() as session:
            await session.execute(update(Delivery).values(status="sent"))
        reported = await asyncio.gather(*(report_next(d) for d in (first, second, first, second)))
        assert sorted(r for r in reported if r is not None) == ids
        assert len(await rows(db, "report")) == 3
    finally:
        await first.dispose()
        await second.dispose()

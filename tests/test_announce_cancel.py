"""Announcements can be stopped: rights checked again when planned and when sent, a cancel from the
command line or by the confirmation's button (through python-telegram-bot and the console), and the
sender's name never left in the outbox after ``forget``."""
from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from alembic import command
from sqlalchemy import column, create_engine, select, table, update

from bots.console import run_console
from core.i18n import SUPPORTED_LANGUAGES
from bots.telegram import runner
from bots.telegram.transport import TelegramTransport
from core.announcements.jobs import plan_due, report_settled
from core.announcements.planning import create_announcement
from core.announcements.sending import FRESH_FOR
from core.app import App
from core.audit import Actor
from core.commands.service import CommandService
from core.db.engine import Database, sync_url
from core.db.migrate import alembic_config, upgrade
from core.db.models import Announcement, Channel, Delivery, Identity
from core.db.types import utcnow
from core.delivery import claim
from core.delivery.dispatcher import CONCURRENT_SENDS
from core.delivery.engine import DeliveryEngine
from core.features import RENDERERS
from core.delivery.limits import Limits
from core.i18n import _, use_language
from core.roles import revoke_role
from tests.announce_helpers import by_target, channel, person, rows
from tests.chat import Person
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures
from tests.delivery_helpers import telegram_bot
from tests.fakes.telegram_api import FakeBotAPI, TelegramLimits
from tests.test_telegram_conversation import exchange, message_of, start_bot

TEXTS = {"fr": "Assemblée générale samedi", "en": "General meeting on Saturday"}
SCALE = 10.0


def said(language: str, msgid: str, **params: object) -> str:
    with use_language(language):
        return _(msgid).format(**params)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def settled(db: Database) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return all(d.status in claim.FINAL for d in await rows(db)) and all(
            d.status in claim.FINAL for d in await rows(db, "report"))
    return check


async def send_everything(db: Database, api: FakeBotAPI, scale: float = SCALE) -> None:
    """A bot process's delivery engine, through the real PTB Bot, until every row is settled."""
    async with telegram_bot(api.base_url, api.token) as bot:
        engine = DeliveryEngine(db, [TelegramTransport(bot)], poll_interval=0.05, limits=Limits(scale=scale), jobs=[], renderers=RENDERERS)
        await engine.start()
        try:
            await until(settled(db))
        finally:
            await engine.stop()


async def tunisia(db: Database, readers: int = 4, *, later: bool = False) -> tuple[int, int]:
    """An ambassador of Tunisia on Telegram (6000, French) and ``readers`` members of the channel
    (7000...); an announcement from the ambassador, now or in an hour. (announcement id, sender id)"""
    async with db.transaction() as session:
        sender = await person(session, "telegram", "6000", language="fr", role="ambassador", country="TN")
        for number in range(readers):
            await person(session, "telegram", str(7000 + number), language="fr", channels=("tn",))
        announcement = await create_announcement(
            session, await channel(session, "tn"), TEXTS, sender_id=sender.id, sender_name="Amel",
            send_at=utcnow() + timedelta(hours=1) if later else None, actor=Actor.command_line(),
        )
        return announcement.id, sender.id


async def revoke(db: Database, sender_id: int) -> None:
    async with db.transaction() as session:
        assert await revoke_role(session, sender_id, "ambassador", "TN", actor=Actor.command_line()) == 1


# ---------------------------------------------------------------- rights, checked again


async def test_role_revoked_after_scheduling_nothing_goes_out(db: Database, api: FakeBotAPI) -> None:
    announcement_id, sender_id = await tunisia(db, later=True)
    await revoke(db, sender_id)
    async with db.transaction() as session:  # it falls due
        await session.execute(update(Announcement).values(send_at=utcnow() - timedelta(seconds=1)))
    await plan_due(db)
    await send_everything(db, api)
    assert await rows(db) == []  # no member's row was ever planned
    (report,) = api.messages()  # the sender alone hears, that nothing went out
    assert report.params["chat_id"] == "6000"
    assert said("fr", "Your announcement to the {channel} channel was not sent: when it fell due, you no longer "
                      "had the right to announce to that channel.", channel="Tunisie") in report.params["text"]
    async with db.transaction() as session:
        assert (await session.get(Announcement, announcement_id)).status == "refused"


async def test_a_revoked_sender_who_forgets_does_not_send_it_after_all(db: Database, api: FakeBotAPI) -> None:
    """Erasing the sender blanks the announcement's sender; a right already lost must not come back with it."""
    announcement_id, sender_id = await tunisia(db, later=True)
    await revoke(db, sender_id)
    sender = Person(CommandService(db), user_id="6000", platform="telegram")
    await sender.send("/forget")
    await sender.press_action("forget yes-")
    async with db.transaction() as session:  # it falls due
        await session.execute(update(Announcement).values(send_at=utcnow() - timedelta(seconds=1)))
    await plan_due(db)
    await send_everything(db, api)
    assert await rows(db) == [] and api.messages() == []
    async with db.transaction() as session:
        assert (await session.get(Announcement, announcement_id)).status == "cancelled"


async def test_role_revoked_while_queued_the_rest_is_not_sent(db: Database, api: FakeBotAPI) -> None:
    _announcement_id, sender_id = await tunisia(db)  # planned at once: four rows wait
    await revoke(db, sender_id)
    await send_everything(db, api)
    assert api.messages() == []
    assert {d.status for d in await rows(db)} == {"skipped"}
    await report_settled(db)
    (report,) = await rows(db, "report")
    text = report.payload["reply"]["text"]
    assert said("fr", "Delivered: {count}", count=0) in text and said("fr", "Not sent: {count}", count=4) in text


# ---------------------------------------------------------------- the command line


def _database(database_url: str, work: Callable[[Database], Awaitable[object]]) -> object:
    async def run() -> object:
        db = Database(database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_cli_cancel_of_a_scheduled_announcement(cli, database_url: str) -> None:  # noqa: F811
    async def members(db: Database) -> None:
        async with db.transaction() as session:
            await person(session, "telegram", "7000", language="fr", channels=("tn",))

    _database(database_url, members)
    when = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d 10:00")
    code, out, err = cli("announce", "--channel", "tn", "--text-fr", "Plus tard", "--at", when)
    assert code == 0 and "scheduled" in out, err
    code, out, err = cli("announce", "cancel", "1")
    assert (code, out.strip()) == (0, "announcement 1 to the Tunisia channel: cancelled before it went out"), err
    code, out, _err = cli("announce", "status", "1")
    assert out.strip() == ("announcement 1 to the Tunisia channel (cancelled): 0 sent before the stop, 0 stopped, 0 failed, "
                           "0 unreachable, 0 being sent")
    code, _out, err = cli("announce", "cancel", "1")
    assert (code, err.strip()) == (1, "alumni: error: announcement 1 is already cancelled")
    code, _out, err = cli("announce", "cancel", "99")
    assert code == 1 and "no announcement 99" in err

    async def fall_due(db: Database) -> list[Delivery]:
        async with db.transaction() as session:
            await session.execute(update(Announcement).values(send_at=utcnow() - timedelta(seconds=1)))
        await plan_due(db)
        return await rows(db)

    assert _database(database_url, fall_due) == []  # never planned


async def test_cli_cancel_stops_what_is_still_queued(cli, database_url: str, api: FakeBotAPI) -> None:  # noqa: F811
    """A broadcast to 100 members at Telegram's real rate; the fake holds the line after the third
    message, the operator cancels, the line opens: the messages already on the wire go out; the rows
    waiting in the table, and those the bot had claimed but not started, never do."""
    readers = 100
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            for number in range(readers):
                await person(session, "telegram", str(7000 + number), language="fr", channels=("tn",))
        code, out, err = await asyncio.to_thread(cli, "announce", "--channel", "tn", "--text-fr", "Bonjour")
        assert code == 0, err
        api.enforce_limits(TelegramLimits())
        api.hold_after(3)
        async with telegram_bot(api.base_url, api.token) as bot:
            engine = DeliveryEngine(db, [TelegramTransport(bot)], poll_interval=0.05, limits=Limits(), jobs=[], renderers=RENDERERS)
            await engine.start()
            try:
                await api.wait_for(lambda: len(api.messages()) >= 3, timeout=20)
                code, out, err = await asyncio.to_thread(cli, "announce", "cancel", "1")
                assert code == 0, err
                await asyncio.sleep(FRESH_FOR)  # a bot process reuses what it knew of the announcement this long
                api.open_gate()
                await until(settled(db))
            finally:
                await engine.stop()
        statuses = [d.status for d in await rows(db)]
        sent = len(api.messages())
        assert statuses.count("sent") == sent >= 3
        # what went out after the cancel was already on the wire (held by the fake), not what waited for its slot
        assert sent <= 3 + CONCURRENT_SENDS, sent
        stopped = statuses.count("cancelled") + statuses.count("skipped")  # waiting, or given back after a timeout
        assert statuses.count("cancelled") > 0 and sent + stopped == readers
        assert out.startswith("announcement 1 to the Tunisia channel: cancelled; ") and " sent before the stop, " in out
        code, out, _err = await asyncio.to_thread(cli, "announce", "status", "1")
        assert out.strip() == (f"announcement 1 to the Tunisia channel (cancelled): {sent} sent before the stop, "
                               f"{readers - sent} stopped, 0 failed, 0 unreachable, 0 being sent")
    finally:
        await db.dispose()


# ---------------------------------------------------------------- the button, in chat


async def test_cancel_button_on_telegram_sender_yes_anyone_else_no(api: FakeBotAPI, app: App) -> None:
    async with app.db.transaction() as session:
        await person(session, "telegram", "2001", language="fr", role="ambassador", country="TN")
        await person(session, "telegram", "2002", language="de", channels=("tn",))
        await person(session, "telegram", "2003", language="fr", channels=("tn",))
    ambassador, other = api.user(2001, "Amel", "fr"), api.user(2002, "Jonas", "de")
    application = await start_bot(api, app)
    try:
        say = lambda text: exchange(api, lambda: api.push_message(text, user=ambassador), quiet=0.1)  # noqa: E731

        async def press(replies, prefix, user=ambassador, message=None):  # noqa: ANN001, ANN202
            call = next(c for c in replies if any(d.startswith(prefix) for d in c.callback_data()))
            data = next(d for d in call.callback_data() if d.startswith(prefix))
            return await exchange(
                api, lambda: api.push_callback(data, message or message_of(call), user=user), quiet=0.1)

        await say("/announce")
        replies = await say("Assemblée générale samedi")
        replies = await press(replies, "announce !preview")
        confirmation = await press(replies, "announce !confirm")
        stop = next(d for c in confirmation for d in c.callback_data() if d.startswith("announce !stop-"))

        # someone else sends the same button data from their own chat with the bot (a forged callback)
        (help_message,) = await exchange(api, lambda: api.push_message("/help", user=other), quiet=0.1)
        forged = await press(confirmation, stop, user=other, message=message_of(help_message))
        assert forged[-1].params["chat_id"] == "2002"
        assert forged[-1].params["text"] == said(
            "de", "You cannot cancel this announcement: only its sender and the administrators can.")
        async with app.db.transaction() as session:
            assert (await session.scalar(select(Announcement))).cancelled_at is None
        assert {d.status for d in await rows(app.db)} == {"pending"}

        done = await press(confirmation, stop)
        assert done[-1].method == "editMessageText"  # the confirmation becomes the answer, without its button
        text = done[-1].params["text"]
        assert said("fr", "Delivered before the stop: {count}", count=0) in text
        assert said("fr", "Not sent: {count}", count=2) in text
        again = await press(confirmation, stop)
        assert again[-1].params["text"] == said("fr", "This announcement was already cancelled.")
    finally:
        await runner.stop(application)
    assert {d.status for d in await rows(app.db)} == {"cancelled"}
    await report_settled(app.db)
    (report,) = await rows(app.db, "report")
    assert said("fr", "Your announcement to the {channel} channel was cancelled.", channel="Tunisie") \
        in report.payload["reply"]["text"]


async def test_cancel_button_on_the_console(app: App) -> None:
    async with app.db.transaction() as session:
        await person(session, "console", "amb", language="en", role="ambassador", country="TN")
        await person(session, "telegram", "7000", language="fr", channels=("tn",))
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d 10:00")
    # /announce (one channel), the text, Preview (after a button per other language), [3] Schedule, the time,
    # [1] Send, [1] Cancel the announcement
    preview = len(SUPPORTED_LANGUAGES)
    script = f"/announce\nGeneral meeting on Saturday\n{preview}\n3\n{later}\n1\n1\n"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = await run_console(app, user="amb", stdin=io.StringIO(script), stdout=stdout, stderr=stderr,
                             interactive=False, deliver=False)
    assert code == 0 and stderr.getvalue() == ""
    out = stdout.getvalue()
    assert "[1] " + said("en", "Cancel the announcement") in out
    assert said("en", "Cancelled: the announcement to the {channel} channel will not go out.", channel="Tunisia") in out
    async with app.db.transaction() as session:
        announcement = await session.scalar(select(Announcement))
        assert (announcement.status, announcement.cancelled_by is not None) == ("cancelled", True)


async def test_a_made_up_cancel_changes_nothing(db: Database) -> None:
    announcement_id, _sender_id = await tunisia(db, later=True)
    async with db.transaction() as session:
        await person(session, "console", "someone", language="es")
    someone = Person(CommandService(db), user_id="someone")
    refused = said("es", "You cannot cancel this announcement: only its sender and the administrators can.")
    for value in (str(announcement_id), "99999999999", "²", "-1", "", "1 OR 1=1"):
        await someone.send(f"/announce !stop-{value}")
        assert someone.text() == refused, value
    async with db.transaction() as session:
        announcement = await session.get(Announcement, announcement_id)
        assert (announcement.status, announcement.cancelled_at) == ("scheduled", None)


async def test_an_administrator_cancels_and_the_sender_is_told(db: Database) -> None:
    announcement_id, _sender_id = await tunisia(db, later=True)
    async with db.transaction() as session:
        await person(session, "console", "root", language="en", role="administrator")
    admin = Person(CommandService(db), user_id="root")
    await admin.send(f"/announce !stop-{announcement_id}")
    assert admin.text() == said("en", "Cancelled: the announcement to the {channel} channel will not go out.",
                                channel="Tunisia")
    (report,) = await rows(db, "report")  # to the ambassador, in French
    assert report.target == "6000" and report.payload["reply"]["text"] == said(
        "fr", "Your announcement to the {channel} channel was cancelled before it went out.", channel="Tunisie")


async def test_nothing_to_stop_once_everything_went_out(db: Database) -> None:
    announcement_id, _sender_id = await tunisia(db)
    async with db.transaction() as session:
        await session.execute(update(Delivery).values(status="sent"))
    sender = Person(CommandService(db), user_id="6000", platform="telegram")
    await sender.send(f"/announce !stop-{announcement_id}")
    assert sender.text() == said("fr", "This announcement has already gone out: there is nothing left to stop.")
    async with db.transaction() as session:
        assert (await session.get(Announcement, announcement_id)).cancelled_at is None


# ---------------------------------------------------------------- forget


async def test_forget_leaves_no_name_in_any_outbox_row(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "console", "Zaynab", language="fr", role="ambassador", country="TN")
        for number in range(4):
            await person(session, "telegram", str(7000 + number), language="ar" if number % 2 else "fr", channels=("tn",))
    sender = Person(CommandService(db), user_id="Zaynab")  # shown to readers as "user Zaynab"
    await sender.send("/announce tn")
    await sender.send("Assemblée générale samedi")
    await sender.press_action("announce !preview")
    await sender.press_action("announce !confirm")
    assert "user Zaynab" in ((await by_target(db))["7000"]["title"])  # named while they are a member
    async with db.transaction() as session:  # half of it went out already
        await session.execute(update(Delivery).where(Delivery.target.in_(("7000", "7001"))).values(status="sent"))
    await sender.send("/forget")
    await sender.press_action("forget yes-")
    await asyncio.sleep(FRESH_FOR)  # what a bot process knew of the announcement (the name) is this old at most

    async with db.transaction() as session:
        assert await session.scalar(select(Identity).where(Identity.user_id == "Zaynab")) is None
        payloads = [json.dumps(d.payload, ensure_ascii=False) for d in await session.scalars(select(Delivery))]
    assert payloads and not [p for p in payloads if "Zaynab" in p]  # sent or still to go: no name anywhere
    got = await by_target(db)
    assert got["7002"]["title"] == said("fr", "Announcement to the {channel} channel", channel="Tunisie")
    assert got["7003"]["title"] == said("ar", "Announcement to the {channel} channel", channel="تونس")


# ---------------------------------------------------------------- upgrading an installation


async def test_upgrade_takes_the_name_out_of_rows_planned_before(database_url: str) -> None:
    """Rows planned before 0006_announce carried the rendered header; it keeps only the body."""
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "0005_bind")  # the revision before it
    engine = create_engine(sync_url(database_url))
    now = utcnow()
    old = {"text": "Bonjour", "title": "Annonce de \u2068Amel\u2069 au canal Tunisie", "language": "fr", "rtl": False,
           "cards": [], "buttons": [], "links": []}
    try:
        with engine.begin() as connection:
            # the columns of that revision (the model's table has later ones)
            channels = table("channels", column("id"), column("slug"), column("kind"), column("country_code"),
                             column("created_at", Channel.__table__.c.created_at.type))
            connection.execute(channels.insert().values(id=1, slug="tn", kind="country", country_code="TN",
                                                        created_at=now))
            connection.execute(Announcement.__table__.insert().values(
                id=1, channel_id=1, sender_name="Amel", texts={"fr": "Bonjour"}, fallback=["fr"], status="planned",
                send_at=now, created_at=now))
            for number, status in enumerate(("sent", "pending")):
                connection.execute(Delivery.__table__.insert().values(
                    key=f"announcement:1:telegram:{number}", kind="announcement", platform="telegram",
                    target=str(number), to_chat=False, announcement_id=1, payload={"reply": old}, status=status,
                    due_at=now, attempts=0, created_at=now))
    finally:
        engine.dispose()
    await asyncio.to_thread(upgrade, database_url)
    db = Database(database_url)
    try:
        payloads = [d.payload for d in await rows(db)]
        body = {key: value for key, value in old.items() if key != "title"}
        assert payloads == [{"render": "announcement", "reader": None, "body": body}] * 2
        with use_language("fr"):  # the recipient's language, as the dispatcher sets it (old rows name no reader)
            got = await by_target(db)
        assert got["1"]["title"] == said("fr", "Announcement from {sender} to the {channel} channel",
                                         sender="\u2068Amel\u2069", channel="Tunisie")
    finally:
        await db.dispose()

"""Command limits: one account's flood gets one "slow down" in its language, the rest is dropped,
and everyone else is answered as usual (core.commands.throttle, wired by core.app)."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest

from bots.discord import runner as discord_runner
from bots.discord.client import AlumniBot
from bots.slack import runner as slack_runner
from bots.telegram import runner
from bots.telegram.application import build_application
from core.app import App, open_app
from core.commands.service import CommandService
from core.commands.throttle import NOTICE_EVERY, RateLimit, Throttle, Verdict
from core.messages.types import Chat, ChatKind, Request, Sender
from core.config import Settings, SettingsError
from core.db.engine import Database
from core.i18n import _, use_language
from tests.chat import Person
from tests.discord_fixtures import fake  # noqa: F401 - the fixture
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender
from tests.fakes.telegram_api import FakeBotAPI
from tests.test_ops_status import run_cli  # noqa: F401 - the fixture

SLOW_DOWN = "You are sending commands faster than I can answer. Please wait a minute, then try again."
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
WEBHOOK = r"^/webhooks/\d+/[^/]+/messages/@original$"
CHAT_SLOW_DOWN = "This chat is sending commands faster than I can answer. Please wait a minute, then try again."


def translated(message: str, language: str) -> str:
    with use_language(language):
        text = _(message)
    assert text != message or language == "en", f"not translated into {language}"
    return text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request(user: str, chat: str = "", platform: str = "telegram") -> Request:
    kind = ChatKind.GROUP if chat else ChatKind.PRIVATE
    return Request(Sender(platform, user), Chat(chat or f"dm-{user}", kind), command="help")


def test_bucket_burst_one_notice_then_silence_and_refill() -> None:
    clock = Clock()
    throttle = Throttle(RateLimit(per_minute=30, burst=3), RateLimit(per_minute=0, burst=0), clock)
    verdicts = [throttle.check(request("1")) for _ in range(8)]
    assert verdicts == [Verdict.HANDLE] * 3 + [Verdict.NOTICE] + [Verdict.DROP] * 4
    assert throttle.check(request("2")) is Verdict.HANDLE  # someone else: untouched
    assert throttle.check(request("1", platform="discord")) is Verdict.HANDLE  # same id, another platform
    assert all(throttle.check(request("1", platform="console")) is Verdict.HANDLE for _ in range(50))  # a piped script
    clock.now += 2.0  # 30 a minute: one request every 2 s comes through again
    assert [throttle.check(request("1")) for _ in range(2)] == [Verdict.HANDLE, Verdict.DROP]
    clock.now += NOTICE_EVERY  # still flooding a minute later: told once more
    assert [throttle.check(request("1")) for _ in range(5)][3:] == [Verdict.NOTICE, Verdict.DROP]


def test_chat_limit_spares_the_senders_own_tokens() -> None:
    clock = Clock()
    throttle = Throttle(RateLimit(per_minute=30, burst=2), RateLimit(per_minute=60, burst=3), clock)
    verdicts = [throttle.check(request(str(user), chat="g1")) for user in range(5)]
    assert verdicts == [Verdict.HANDLE] * 3 + [Verdict.NOTICE_CHAT, Verdict.DROP]
    assert throttle.check(request("4", chat="g2")) is Verdict.HANDLE  # refused in g1, not charged: still 2 tokens
    assert throttle.check(request("4", chat="g2")) is Verdict.HANDLE


def test_limits_off_and_idle_buckets_forgotten() -> None:
    clock = Clock()
    off = Throttle(RateLimit(0, 20), RateLimit(0, 60), clock)
    assert all(off.check(request("1")) is Verdict.HANDLE for _ in range(500))
    throttle = Throttle(RateLimit(60, 5), RateLimit(600, 50), clock)
    for user in range(1023):
        throttle.check(request(str(user)))
    clock.now += 3600
    throttle.check(request("last"))  # the 1024th check sweeps the full buckets
    assert len(throttle._members) == 1 and len(throttle._chats) == 1  # only the one just seen


def test_settings_read_and_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.rate_member_per_minute, defaults.rate_member_burst) == (30, 20)
    assert (defaults.rate_chat_per_minute, defaults.rate_chat_burst) == (120, 60)
    monkeypatch.setenv("ALUMNI_RATE_MEMBER_PER_MINUTE", "0")
    monkeypatch.setenv("ALUMNI_RATE_CHAT_BURST", "200")
    settings = Settings.from_env()
    assert (settings.rate_member_per_minute, settings.rate_chat_burst) == (0, 200)
    monkeypatch.setenv("ALUMNI_RATE_CHAT_PER_MINUTE", "lots")
    with pytest.raises(SettingsError, match="ALUMNI_RATE_CHAT_PER_MINUTE"):
        Settings.from_env()


async def test_a_flood_never_reaches_the_database(db: Database) -> None:
    """Over the limit, the request is answered from memory: even with the database gone."""
    throttle = Throttle(RateLimit(1, 2), RateLimit(0, 0))
    service = CommandService(db, throttle=throttle)
    person = Person(service, user_id="9", platform="telegram", locale="de")
    await person.send("/help")
    await person.send("/help")
    service.db = Database("sqlite+aiosqlite:////nonexistent-directory/alumni.db")  # any database work now fails
    await person.send("/help")
    assert person.text() == translated(SLOW_DOWN, "de")
    assert await person.send("/help") == []


async def make_an_account_wait(database_url: str) -> None:
    database = Database(database_url)
    try:
        guesser = Person(CommandService(database), user_id="66", platform="discord")
        for guess in ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555", "EEEE6666"):
            await guesser.send(f"/link {guess}")
    finally:
        await database.dispose()


def test_status_shows_the_limits_in_force(database_url: str, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(database_url, "db", "upgrade")[0] == 0
    asyncio.run(make_an_account_wait(database_url))
    monkeypatch.setenv("ALUMNI_RATE_MEMBER_PER_MINUTE", "45")
    monkeypatch.setenv("ALUMNI_RATE_CHAT_PER_MINUTE", "0")
    monkeypatch.setenv("ALUMNI_ANNOUNCE_PER_DAY", "3")
    code, out, err = run_cli(database_url, "status")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "Command limits (in each bot process; ALUMNI_RATE_MEMBER_*, ALUMNI_RATE_CHAT_*)" in lines
    assert "  per account: 45 a minute, up to 20 at once; per chat: no limit" in lines
    assert "  link codes: 1 account waiting after wrong codes" in lines
    assert "  announcements from chat: 3 a day per sender (ALUMNI_ANNOUNCE_PER_DAY)" in lines
    code, out, err = run_cli(database_url, "status", "--json")
    data = json.loads(out)
    assert data["limits"] == {"member": {"per_minute": 45, "burst": 20}, "chat": {"per_minute": 0, "burst": 60},
                              "announcements": {"per_day": 3}}
    assert data["link_waiting"] == 1


# ---------------------------------------------------------------- through python-telegram-bot


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    # 1 a minute after a burst of 3: nothing refills during the test, so the counts are exact
    settings = Settings(database_url=database_url, rate_member_per_minute=1, rate_member_burst=3)
    app = await open_app(settings, migrate=True)
    try:
        yield app
    finally:
        await app.close()


async def quiet(api: FakeBotAPI, seconds: float = 0.4) -> None:
    await api.wait_for(lambda: api.pending_updates() == 0, 10)
    while True:
        count = len(api.calls)
        await asyncio.sleep(seconds)
        if len(api.calls) == count:
            return


async def test_a_flood_on_telegram_gets_one_slow_down_in_its_language(api: FakeBotAPI, core: App) -> None:
    flooder, other = api.user(7001, "Flo", "fr"), api.user(7002, "Ana", "en")
    application = build_application(api.token, core.commands, base_url=api.base_url)
    await runner.start(application, poll_timeout=1)
    try:
        api.push_message("/language es", user=flooder)  # the member's language, not the app's: Spanish
        await quiet(api)
        for number in range(12):  # commands, searches and page buttons alike
            api.push_message("/help" if number % 2 else "/search Tunis", user=flooder)
            if number == 6:
                api.push_message("/help", user=other)
        await quiet(api)
        sent_to_flooder = [c.params["text"] for c in api.sent(7001)]
        notices = [text for text in sent_to_flooder if text == translated(SLOW_DOWN, "es")]
        assert len(notices) == 1, sent_to_flooder
        # /language, then 2 more commands within the burst, then the notice: the other 9 dropped
        handled = [text for text in sent_to_flooder if text not in notices]
        assert 3 <= len(handled) <= 6, handled  # a reply may take several messages; 12 would be far more
        assert sent_to_flooder[-1] == notices[0]
        assert api.sent(7002), "the other member was not answered"
        assert all(c.params["text"] != translated(SLOW_DOWN, "en") for c in api.sent(7002))
    finally:
        await runner.stop(application)


async def test_a_flood_of_presses_in_a_group_asks_telegram_nothing(api: FakeBotAPI, core: App) -> None:
    """A press in a group needs the presser's rights from Telegram (getChatMember), but not once the
    command limits drop it: a flood of page buttons costs no calls to Telegram."""
    group = api.chat(-100900, "supergroup", "Alumni")
    presser = api.user(7003, "Pat", "en")
    message = {"message_id": 1, "date": 0, "chat": group, "text": "a card"}
    application = build_application(api.token, core.commands, base_url=api.base_url)
    await runner.start(application, poll_timeout=1)
    try:
        for _ in range(10):
            api.push_callback("help", message, user=presser)
        await quiet(api)
    finally:
        await runner.stop(application)
    assert len(api.calls_to("answerCallbackQuery")) == 10  # every press is acknowledged
    asked = [c for c in api.calls_to("getChatMember") if c.params["user_id"] == "7003"]
    assert len(asked) == 3  # the burst; the 7 dropped presses asked nothing


# ---------------------------------------------------------------- through discord.py


async def test_a_flood_on_discord_is_acknowledged_and_leaves_nothing_on_screen(fake: FakeDiscord, database_url: str) -> None:
    """Every interaction must be answered within 3 s: a dropped one gets a private "thinking" note
    that is deleted at once; the notice is private (ephemeral), in the member's language."""
    app = await open_app(Settings(database_url=database_url, rate_member_per_minute=1, rate_member_burst=2), migrate=True)
    client = AlumniBot(app.commands, guild_ready_timeout=0.05)
    connection = await discord_runner.start(client, fake.token)
    flooder, other = fake.user(3001, "flo", "Flo"), fake.user(3002, "ana", "Ana")
    try:
        await discord_runner.wait_ready(client, connection, timeout=5)
        flood = [await fake.slash("help", user=flooder, locale="de") for _ in range(6)]
        answered = await fake.slash("help", user=other, locale="en-US")
        await fake.wait_for("POST", CALLBACK, 7)
        await fake.wait_for("DELETE", WEBHOOK, 3)
    finally:
        await client.close()
        connection.cancel()
        await app.close()

    def callbacks(payload: dict) -> list[dict]:
        return [c.json for c in fake.find("POST", CALLBACK) if f"/interactions/{payload['id']}/" in c.path]

    kinds = [(c["type"], bool((c.get("data") or {}).get("flags", 0) & 64)) for p in flood for c in callbacks(p)]
    assert len(kinds) == 6  # each interaction answered exactly once
    assert kinds.count((5, True)) == 3  # dropped: a private deferral...
    assert len(fake.find("DELETE", WEBHOOK)) == 3  # ...removed at once
    notices = [c for p in flood for c in callbacks(p) if c["data"] and c["data"].get("content") == translated(SLOW_DOWN, "de")]
    assert len(notices) == 1 and notices[0]["data"]["flags"] & 64
    (reply,) = callbacks(answered)
    assert reply["type"] == 4 and reply["data"].get("content") != translated(SLOW_DOWN, "en")


# ---------------------------------------------------------------- through slack-bolt


async def test_a_flood_on_slack_is_acknowledged_and_told_once(database_url: str) -> None:
    """Slack wants every slash command acknowledged within 3 s: dropped ones are, with nothing shown."""
    app = await open_app(Settings(database_url=database_url, rate_member_per_minute=1, rate_member_burst=2), migrate=True)
    async with FakeSlack() as slack:
        settings = Settings(database_url=database_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                            slack_api_url=slack.base_url)
        running = await slack_runner.start(settings, app.commands, SimpleNamespace(port=0, listen="127.0.0.1"))
        try:
            sender = SlackSender(f"http://127.0.0.1:{running.port}{slack_runner.EVENTS_PATH}", slack)
            slack.user("U1001", "Flo", "fr-FR")
            slack.user("U2002", "Ana", "en-US")
            statuses = [(await sender.command("help", user="U1001", channel="D1001")).status for _ in range(6)]
            await slack.settle()
            flood = slack.sent()
            answered = await sender.command("help", user="U2002", channel="D2002")
            await slack.wait_for(lambda: len(slack.sent()) > len(flood))
            await slack.settle()
            other = slack.sent()[len(flood):]
        finally:
            await slack_runner.stop(running)
            await app.close()
    assert statuses == [200] * 6 and answered.status == 200
    notice = translated(SLOW_DOWN, "fr")
    assert sum(notice in call.mrkdwn() for call in flood) == 1
    assert len(flood) <= 2 * 2 + 1  # two commands answered (a reply may take two messages), one notice, four dropped
    assert other and not any(notice in call.mrkdwn() or SLOW_DOWN in call.mrkdwn() for call in other)

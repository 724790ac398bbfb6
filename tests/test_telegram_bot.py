"""The real python-telegram-bot Application against our fake Bot API (tests/fakes/telegram_api.py).

The core is replaced by a recording stub here, so these tests pin the adapter: addressing,
delivery, edits, errors, menus, the webhook secret. The whole conversation with the real core
is in test_telegram_conversation.py.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

import aiohttp
import pytest

from bots.telegram import errors, runner
from bots.telegram.application import build_application
from bots.telegram.descriptions import DESCRIPTION, SHORT_DESCRIPTION
from bots.telegram.languages import telegram_language_code
from core.messages.types import Button, ChatKind, FileAttachment, Reply, Request
from core.config import Settings
from core.i18n import SUPPORTED_LANGUAGES, _, use_language
from tests.fakes.ports import reserved_port
from tests.fakes.telegram_api import FakeBotAPI

GROUP_ID = -100777


class StubService:
    """Records requests; answers each with one reply echoing what it got."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.replies: list[Reply] | None = None  # fixed replies, else an echo
        self.unreachable: list[tuple[str, str]] = []
        self.fail_on: str | None = None

    async def handle(self, request: Request) -> list[Reply]:
        self.requests.append(request)
        if self.fail_on and request.text == self.fail_on:
            raise RuntimeError("boom")
        if self.replies is not None:
            return self.replies
        what = request.command or request.action or request.text
        return [Reply(text=f"got {what} {request.args}".strip(), edit=request.action is not None,
                      buttons=[[Button("again", "help")]])]

    def over_limit(self, request: Request) -> bool:
        return False

    def command_names(self) -> list[str]:
        return ["start", "help", "language"]

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        return [("start", f"start [{language}]"), ("help", f"help [{language}]"), ("language", f"language [{language}]")]

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        self.unreachable.append((platform, user_id))


@pytest.fixture
def service() -> StubService:
    return StubService()


@asynccontextmanager
async def running(api: FakeBotAPI, service: object, args: object = None, **kwargs: object) -> AsyncIterator[object]:
    application = build_application(api.token, service, base_url=api.base_url, **kwargs)
    await runner.start(application, args, poll_timeout=1)
    try:
        yield application
    finally:
        await runner.stop(application)


async def settle(api: FakeBotAPI, service: StubService, requests: int, sends: int | None = None) -> None:
    await api.wait_for(lambda: len(service.requests) >= requests)
    if sends is not None:
        await api.wait_for(lambda: len(api.sent()) >= sends)
    await asyncio.sleep(0.05)


async def test_private_command_round_trip_with_html_and_keyboard(api: FakeBotAPI, service: StubService) -> None:
    async with running(api, service):
        api.push_message("/start join-tn")
        await settle(api, service, 1, 1)
    (request,) = service.requests
    assert (request.command, request.args) == ("start", "join-tn")  # deep link args go to the core as is
    assert request.sender.platform == "telegram" and request.sender.user_id == "1001"
    assert request.sender.locale == "fr" and request.sender.display_name == "Amel"
    assert request.chat.kind == ChatKind.PRIVATE and request.chat.chat_id == "1001"
    (sent,) = api.calls_to("sendMessage")
    assert sent.params["text"] == "got start join-tn" and sent.params["parse_mode"] == "HTML"
    assert sent.params["reply_markup"] == {"inline_keyboard": [[{"text": "again", "callback_data": "help"}]]}


async def test_private_free_text_and_addressed_command(api: FakeBotAPI, service: StubService) -> None:
    async with running(api, service):
        api.push_message("Tunisie")
        api.push_message("/help@alumni_test_bot")
        api.push_message("/help@other_bot")
        await settle(api, service, 2, 2)
    assert [(r.command, r.text) for r in service.requests] == [(None, "Tunisie"), ("help", None)]


async def test_group_addressing_rules(api: FakeBotAPI, service: StubService) -> None:
    group = api.chat(GROUP_ID, "supergroup", "Alumni <Tunis>")
    bot_message = {"message_id": 5, "date": 0, "chat": group, "from": api.bot, "text": "hi"}
    other_message = {"message_id": 6, "date": 0, "chat": group, "from": api.user(2002), "text": "hey"}
    async with running(api, service):
        api.push_message("hello everyone", chat=group)  # chatter
        api.push_message("/help", chat=group)  # not addressed
        api.push_message("/help@other_bot", chat=group)  # another bot's
        api.push_message("thanks", chat=group, reply_to=other_message)  # reply to a person
        api.push_message("/channels@Alumni_Test_Bot", chat=group)  # addressed (case-insensitive)
        api.push_message("Tunisie", chat=group, reply_to=bot_message)  # reply to the bot
        api.push_message("/language fr", chat=group, reply_to=bot_message)  # command replying to the bot
        await settle(api, service, 3, 3)
        await asyncio.sleep(0.2)
    assert [(r.command, r.args, r.text) for r in service.requests] == [
        ("channels", "", None), (None, "", "Tunisie"), ("language", "fr", None)]
    assert all(r.chat.kind == ChatKind.GROUP and r.chat.chat_id == str(GROUP_ID) for r in service.requests)
    assert service.requests[0].chat.title == "Alumni <Tunis>"
    assert {c.params["chat_id"] for c in api.sent()} == {str(GROUP_ID)}


async def test_button_press_is_answered_and_edits_the_message(api: FakeBotAPI, service: StubService) -> None:
    carrier = {"message_id": 42, "date": 0, "chat": api.chat(1001), "from": api.bot, "text": "Choose"}
    async with running(api, service):
        api.push_callback("language fr", carrier)
        api.push_callback("_", carrier)  # the page counter: answered, not routed
        await api.wait_calls("answerCallbackQuery", 2)
        await settle(api, service, 1, 1)
    (request,) = service.requests
    assert request.action == "language fr" and request.command is None
    (edit,) = api.calls_to("editMessageText")
    assert edit.params["message_id"] == "42" and edit.params["text"] == "got language fr"
    assert api.calls_to("sendMessage") == []
    # answered before the core was asked
    methods = [c.method for c in api.calls]
    assert methods.index("answerCallbackQuery") < methods.index("editMessageText")


async def test_edit_refused_falls_back_to_a_new_message(api: FakeBotAPI, service: StubService) -> None:
    carrier = {"message_id": 42, "date": 0, "chat": api.chat(1001), "from": api.bot, "text": "Choose"}
    api.fail("editMessageText", 400, "Bad Request: message can't be edited")
    async with running(api, service):
        api.push_callback("help", carrier)
        await settle(api, service, 1, 2)
    assert [c.method for c in api.sent()] == ["editMessageText", "sendMessage"]


async def test_long_reply_is_sent_in_several_messages(api: FakeBotAPI, service: StubService) -> None:
    service.replies = [Reply(text="\n".join(f"{i} " + "x" * 90 for i in range(200)), buttons=[[Button("b", "help")]])]
    async with running(api, service):
        api.push_message("/associations")
        await settle(api, service, 1, 5)
    sent = api.calls_to("sendMessage")
    assert len(sent) == 5
    assert all(len(c.params["text"]) <= 4096 for c in sent)
    assert [("reply_markup" in c.params) for c in sent] == [False] * 4 + [True]


async def test_file_reply_sends_a_document(api: FakeBotAPI, service: StubService) -> None:
    service.replies = [Reply(text="Your data", file=FileAttachment("mydata.json", b'{"a": 1}'), private=True)]
    async with running(api, service):
        api.push_message("/mydata@alumni_test_bot", chat=api.chat(GROUP_ID, "group", "G"))
        await settle(api, service, 1, 1)
    (document,) = api.calls_to("sendDocument")
    assert document.files["document"] == b'{"a": 1}'
    # personal data asked for in a group goes to the person
    assert document.params["chat_id"] == "1001" and api.sent()[0].params["chat_id"] == "1001"


async def test_personal_data_is_never_posted_in_the_group(api: FakeBotAPI, service: StubService) -> None:
    """The person never opened a private chat with the bot: the group gets a clear note, not the data."""
    service.replies = [Reply(text="Your data", file=FileAttachment("mydata.json", b'{"secret": 1}'), private=True)]
    api.fail("sendDocument", 403, "Forbidden: bot can't initiate conversation with a user", chat_id=1001)
    async with running(api, service):
        api.push_message("/mydata@alumni_test_bot", chat=api.chat(GROUP_ID, "group", "G"))
        await settle(api, service, 1, 1)
    group = [c for c in api.sent() if c.params.get("chat_id") == str(GROUP_ID)]
    assert [c.method for c in group] == ["sendMessage"]
    assert "private chat" in group[0].params["text"] and "secret" not in group[0].params["text"]
    assert 'href="https://t.me/alumni_test_bot"' in group[0].params["text"]
    assert [c.params["chat_id"] for c in api.calls_to("sendDocument")] == ["1001"]  # only ever tried privately


async def test_429_waits_retry_after_and_retries(api: FakeBotAPI, service: StubService) -> None:
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    async with running(api, service):
        loop = asyncio.get_running_loop()
        started = loop.time()
        api.push_message("/help")
        await api.wait_for(lambda: len(api.calls_to("sendMessage")) == 2)
        elapsed = loop.time() - started
    first, second = api.calls_to("sendMessage")
    assert first.params == second.params  # the same message, sent again after retry_after
    assert elapsed >= 0.9


async def test_403_blocked_marks_unreachable_and_stops_sending(api: FakeBotAPI, service: StubService) -> None:
    service.replies = [Reply(text="one"), Reply(text="two")]
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=1001)
    async with running(api, service):
        api.push_message("/help")
        await settle(api, service, 1, 1)
        await asyncio.sleep(0.2)
        assert service.unreachable == [("telegram", "1001")]
        assert len(api.calls_to("sendMessage")) == 1  # "two" never tried
        # the bot is still alive for others
        api.push_message("/help", user=api.user(2002, "Bob", "en"))
        await settle(api, service, 2, 3)
    assert [c.params["chat_id"] for c in api.calls_to("sendMessage")] == ["1001", "2002", "2002"]


async def test_one_failing_update_does_not_stop_the_bot(api: FakeBotAPI, service: StubService, caplog: pytest.LogCaptureFixture) -> None:
    service.fail_on = "crash"
    async with running(api, service):
        api.push_message("crash")
        api.push_message("fine")
        await settle(api, service, 2, 2)
    # the failure is told to the person, in their language (issue 14: it was only logged), then the bot goes on
    told, fine = [c.params["text"] for c in api.calls_to("sendMessage")]
    assert told.startswith("Un problème est survenu") and fine == "got fine"


async def test_network_errors_are_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from telegram.error import BadRequest, NetworkError, RetryAfter

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    outcomes: list[object] = [NetworkError("reset"), NetworkError("reset"), RetryAfter(3), "ok"]

    async def call() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await errors.call_api(call, sleep=sleep) == "ok"
    assert waits == [0.5, 1.0, 3.0]

    async def bad() -> None:
        raise BadRequest("chat not found")

    with pytest.raises(BadRequest):
        await errors.call_api(bad, sleep=sleep)
    assert waits == [0.5, 1.0, 3.0]  # never retried


async def test_menu_is_published_per_language_and_default(api: FakeBotAPI, service: StubService) -> None:
    async with running(api, service):
        pass
    calls = api.calls_to("setMyCommands")
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_language) == {telegram_language_code(code) for code in SUPPORTED_LANGUAGES} | {None}
    assert "zh" in by_language  # Telegram's code for zh_Hans
    assert by_language["fr"][0] == {"command": "start", "description": "start [fr]"}
    assert by_language[None][1] == {"command": "help", "description": "help [en]"}


async def test_description_and_short_description_are_set_per_language(api: FakeBotAPI, service: StubService) -> None:
    """The screen before /start reads in the reader's language: one description and one short
    description per catalog (Telegram's two-letter codes), English for everyone else."""
    async with running(api, service):
        pass
    codes = {telegram_language_code(code) for code in SUPPORTED_LANGUAGES} - {None}
    for method, key, limit in (("setMyDescription", "description", 512), ("setMyShortDescription", "short_description", 120)):
        texts = {c.params.get("language_code"): c.params[key] for c in api.calls_to(method)}
        assert set(texts) == codes | {None}, method
        assert all(0 < len(text) <= limit for text in texts.values()), method
        assert texts[None] == texts["en"] and len(set(texts.values())) == len(codes), method  # each language its own
        with use_language("fr"):
            assert texts["fr"] == _(DESCRIPTION if key == "description" else SHORT_DESCRIPTION)


async def test_webhook_rejects_requests_without_the_secret(api: FakeBotAPI, service: StubService) -> None:
    port = reserved_port()
    args = SimpleNamespace(webhook_url=f"https://bot.example.org/tg/hook", port=port, listen="127.0.0.1")
    application = build_application(api.token, service, base_url=api.base_url)
    secret = await runner.start(application, args)
    try:
        (set_webhook,) = api.calls_to("setWebhook")
        assert set_webhook.params["url"] == "https://bot.example.org/tg/hook"
        assert set_webhook.params["secret_token"] == secret and len(secret) >= 32
        update = {"update_id": 900, "message": {"message_id": 1, "date": 0, "chat": {"id": 1001, "type": "private"},
                                                "from": api.user(), "text": "/help"}}
        url = f"http://127.0.0.1:{port}/tg/hook"
        length = {"Content-Type": "application/json", "Content-Length": "100"}  # refused on the headers
        assert (await _raw_post(port, length)).startswith(b"HTTP/1.1 403")
        assert (await _raw_post(port, {**length, "X-Telegram-Bot-Api-Secret-Token": "wrong"})).startswith(b"HTTP/1.1 403")
        assert service.requests == []
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
                assert response.status == 200
            await settle(api, service, 1, 1)
            assert service.requests[0].command == "help"
            # the same update sent again (a captured request replayed, with the secret): handled once
            for replayed in (update, update):
                async with http.post(url, json=replayed, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
                    assert response.status == 200
            newer = {**update, "update_id": 901, "message": {**update["message"], "text": "/start"}}
            async with http.post(url, json=newer, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
                assert response.status == 200
            await settle(api, service, 2, 2)
        assert sorted(r.command for r in service.requests) == ["help", "start"]
    finally:
        await runner.stop(application)


async def _raw_post(port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    """Send a POST's headers (and ``body``: perhaps none of what Content-Length promises) and return what
    the server answers before closing: a refusal must come without waiting for the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST /tg/hook HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode() + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 20)  # the server closes once it has answered
    finally:
        writer.close()


async def test_webhook_refuses_before_reading_an_unauthenticated_or_oversized_body(
        api: FakeBotAPI, service: StubService) -> None:
    """A post without the secret, or too large, is answered at once, its body never read (four 90 MB
    posts without the secret once took the process from 108 to 300 MB): the 90 MB are never sent here."""
    port = reserved_port()
    args = SimpleNamespace(webhook_url="https://bot.example.org/tg/hook", port=port, listen="127.0.0.1")
    application = build_application(api.token, service, base_url=api.base_url)
    secret = await runner.start(application, args)
    try:
        json_type = {"Content-Type": "application/json"}
        # the headers announce 90 MB, none of which is sent: the answer comes without waiting for them
        answer = await _raw_post(port, {**json_type, "Content-Length": str(90 * 2**20)})
        assert answer.startswith(b"HTTP/1.1 403")
        wrong = {**json_type, "X-Telegram-Bot-Api-Secret-Token": "x" * len(secret), "Content-Length": str(90 * 2**20)}
        assert (await _raw_post(port, wrong)).startswith(b"HTTP/1.1 403")
        signed = {**json_type, "X-Telegram-Bot-Api-Secret-Token": secret}
        too_large = await _raw_post(port, {**signed, "Content-Length": str(runner.MAX_WEBHOOK_BODY + 1)})
        assert too_large.startswith(b"HTTP/1.1 413")
        # without a Content-Length (chunked), the body is cut off once it passes the limit
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
        try:
            answer = await _raw_post(port, {**signed, "Transfer-Encoding": "chunked"},
                                     chunk * (runner.MAX_WEBHOOK_BODY // (64 * 1024) + 2))
        except ConnectionError:
            answer = b""
        assert not answer.startswith(b"HTTP/1.1 200")
        update = {"update_id": 950, "message": {"message_id": 1, "date": 0, "chat": {"id": 1001, "type": "private"},
                                                "from": api.user(), "text": "/help"}}
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{port}/tg/hook", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
                assert response.status == 200
        await settle(api, service, 1, 1)
        assert [r.command for r in service.requests] == ["help"]
    finally:
        await runner.stop(application)


@pytest.fixture
def only_pytest_log_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other tests (the CLI's) may leave handlers on the root logger writing to a closed stderr."""
    from _pytest.logging import LogCaptureHandler

    kept = [h for h in logging.root.handlers if isinstance(h, LogCaptureHandler)]
    monkeypatch.setattr(logging.root, "handlers", kept)


@pytest.mark.usefixtures("only_pytest_log_handlers")
async def test_missing_token_is_one_line_and_non_zero(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    code = await runner.run(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    assert code != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err and "Traceback" not in err


@pytest.mark.usefixtures("only_pytest_log_handlers")
async def test_rejected_token_is_one_line_and_non_zero(api: FakeBotAPI, capsys: pytest.CaptureFixture[str], tmp_path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", telegram_bot_token="999:WRONG-secret-value",
                        telegram_api_base_url=api.base_url)
    caplog.set_level(logging.DEBUG)
    code = await runner.run(settings)
    assert code != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rejected" in err and "Traceback" not in err
    assert "WRONG-secret-value" not in err + caplog.text


def test_seen_updates_are_bounded_and_refuse_what_they_forgot() -> None:
    from bots.telegram.dedupe import SeenUpdates

    seen = SeenUpdates(size=3)
    assert [seen.first_time(i) for i in (10, 12, 11, 12)] == [True, True, True, False]  # a little out of order is fine
    assert seen.first_time(13) and len(seen._ids) == 3  # 10 forgotten...
    assert not seen.first_time(10) and not seen.first_time(9)  # ...and refused with anything older

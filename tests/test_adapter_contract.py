"""The answer pipeline's contract, the same cases on every adapter (bots/kit/).

Telegram, Discord and Slack run through their real libraries against the fakes of tests/fakes/,
the console through its loop. The core is a stand-in here (``Core``): these cases pin what the
adapters do with its answers (and with its failures), not the commands themselves.
"""
from __future__ import annotations

import asyncio
import html
import io
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest

from bots.console import run_console
from bots.discord import runner as discord_runner
from bots.discord.client import AlumniBot
from bots.discord.render import MAX_CONTENT
from bots.slack import runner as slack_runner
from bots.slack.render import MAX_SECTION_TEXT
from bots.telegram import runner as telegram_runner
from bots.telegram.application import build_application
from bots.telegram.render import MAX_MESSAGE, utf16_len
from core.commands.service import CommandService
from core.config import Settings
from core.db.engine import Database
from core.i18n import _, use_language
from core.messages.types import FileAttachment, Reply, Request
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender
from tests.fakes.telegram_api import FakeBotAPI

Answers = Callable[[Request], Awaitable[list[Reply]]]
DATA = b'{"secret": "the member\'s own data"}'
GROUP_ID = -100555


class Core:
    """Stands in for the command service: records what reaches it, answers with ``answers``."""

    db: Database | None = None

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.requests: list[Request] = []

    async def handle(self, request: Request) -> list[Reply]:
        self.requests.append(request)
        return await self.answers(request)

    def over_limit(self, request: Request) -> bool:
        return False

    def command_names(self) -> list[str]:
        return CommandService.command_names(self)  # type: ignore[arg-type]

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        return CommandService.command_descriptions(self, language)  # type: ignore[arg-type]

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        pass


@dataclass(frozen=True)
class Seen:
    """One message as its readers see it: its text (unescaped), whether only the member sees it,
    whether it carries the member's file, and how long the platform counts it."""

    text: str
    private: bool
    file: bool = False
    size: int = 0


class Platform:
    """One adapter under the contract: send a command line as the member, read what was shown."""

    name = ""
    limit = 0  # a message's (or a section's) limit; 0 when there is none

    async def start(self, core: Core) -> None: ...

    async def stop(self) -> None: ...

    async def say(self, line: str, *, group: bool = False) -> None:
        raise NotImplementedError

    def close_private_chat(self) -> None:
        """The member never opened a private chat with the bot, where the platform has that notion."""

    def shown(self) -> list[Seen]:
        raise NotImplementedError

    async def seen(self, at_least: int = 1) -> list[Seen]:
        """What was shown once at least ``at_least`` messages arrived and then nothing for a moment."""
        deadline = time.monotonic() + 10
        while len(self.shown()) < at_least and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        count = -1
        while count != len(self.shown()) and time.monotonic() < deadline:
            count = len(self.shown())
            await asyncio.sleep(0.15)
        return self.shown()


class Telegram(Platform):
    name, limit = "telegram", MAX_MESSAGE

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.member = api.user(1001, "Amel", "fr")
        self.group = api.chat(GROUP_ID, "supergroup", "Alumni")

    async def start(self, core: Core) -> None:
        self.application = build_application(self.api.token, core, base_url=self.api.base_url, publish_menu=False)
        await telegram_runner.start(self.application, poll_timeout=1)

    async def stop(self) -> None:
        await telegram_runner.stop(self.application)

    async def say(self, line: str, *, group: bool = False) -> None:
        if group:
            head, _sep, rest = line.partition(" ")
            line = f"/{head}@{self.api.bot['username']} {rest}".strip()
            self.api.push_message(line, user=self.member, chat=self.group)
        else:
            self.api.push_message("/" + line, user=self.member)

    def close_private_chat(self) -> None:
        for method in ("sendDocument", "sendMessage"):
            self.api.fail(method, 403, "Forbidden: bot can't initiate conversation with a user", chat_id=1001, times=9)

    def shown(self) -> list[Seen]:
        seen = []
        for call in self.api.calls:
            if call.method in ("sendMessage", "sendDocument") and call.result is not None:
                text = html.unescape(str(call.params.get("text") or ""))
                seen.append(Seen(text, str(call.params["chat_id"]) != str(GROUP_ID), call.method == "sendDocument",
                                 utf16_len(str(call.params.get("text") or ""))))
        return seen


class Discord(Platform):
    name, limit = "discord", MAX_CONTENT
    CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
    FOLLOWUP = r"^/webhooks/\d+/[^/]+$"

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.in_guild: dict[str, bool] = {}  # interaction token -> asked in the server

    async def start(self, core: Core) -> None:
        self.client = AlumniBot(core, guild_ready_timeout=0.05)
        self.connection = await discord_runner.start(self.client, self.fake.token)
        await discord_runner.wait_ready(self.client, self.connection, timeout=5)

    async def stop(self) -> None:
        await self.client.close()
        self.connection.cancel()

    async def say(self, line: str, *, group: bool = False) -> None:
        name, _sep, args = line.partition(" ")
        options = {"command": args} if args else None
        payload = await self.fake.slash(name, options, locale="fr", in_guild=group)
        self.in_guild[payload["token"]] = group

    def shown(self) -> list[Seen]:
        seen = []
        for call in self.fake.find("POST", self.CALLBACK) + self.fake.find("POST", self.FOLLOWUP):
            if call.path.endswith("/callback") and (call.json or {}).get("type") not in (4, 7):
                continue  # a deferral shows nothing
            token = call.path.rstrip("/").split("/")[-2 if call.path.endswith("/callback") else -1]
            ephemeral = bool((call.data.get("flags") or 0) & 64)
            content = str(call.data.get("content") or "")
            seen.append(Seen(call.text().replace("\\", ""), ephemeral or not self.in_guild.get(token, False),
                             bool(call.files), len(content)))
        return seen


class Slack(Platform):
    name, limit = "slack", MAX_SECTION_TEXT
    CHANNEL = "C0100"

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        fake.user("U1001", "Amel", locale="fr-FR")
        fake.channel(self.CHANNEL, app_is_member=True)
        self.asked_in: dict[str, str] = {}  # response_url -> the channel the command was typed in

    async def start(self, core: Core) -> None:
        self.db = core.db = Database("sqlite://")  # the health routes' database: never asked here
        settings = Settings(database_url="sqlite://", slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                            slack_api_url=self.fake.base_url)
        self.running = await slack_runner.start(settings, core, SimpleNamespace(port=0, listen="127.0.0.1"),
                                                deliveries=False)
        url = f"http://127.0.0.1:{self.running.port}{slack_runner.EVENTS_PATH}"
        self.sender = SlackSender(url, self.fake)

    async def stop(self) -> None:
        await slack_runner.stop(self.running)
        await self.db.dispose()

    async def say(self, line: str, *, group: bool = False) -> None:
        form = self.sender.command_form(line, channel=self.CHANNEL if group else "D1001")
        self.asked_in[form["response_url"]] = form["channel_id"]
        await self.sender.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def close_private_chat(self) -> None:
        self.fake.fail("conversations.open", "cannot_dm_bot", times=9)

    def shown(self) -> list[Seen]:
        seen = []
        for call in self.fake.calls:
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "respond"):
                channel = str(call.params.get("channel") or self.asked_in.get((call.result or {}).get("url"), ""))
                private = (call.method == "chat.postEphemeral" or call.params.get("response_type") == "ephemeral"
                           or channel.startswith("D"))
                sections = [str(b["text"]["text"]) for b in call.blocks if b.get("type") == "section" and b.get("text")]
                for section in sections or [str(call.params.get("text") or "")]:
                    seen.append(Seen(html.unescape(section), private, size=len(section)))
            elif call.method == "files.completeUploadExternal":
                seen.append(Seen("", str(call.params.get("channel_id") or "").startswith("D"), file=True))
        return seen


class Console(Platform):
    name = "console"

    def __init__(self, files: Path) -> None:
        self.files = files
        self.lines: list[str] = []
        self.output = ""

    async def start(self, core: Core) -> None:
        self.core = core

    async def say(self, line: str, *, group: bool = False) -> None:
        if group:
            pytest.skip("the console has no groups: everything it shows is for its one member")
        self.lines.append("/" + line)

    async def seen(self, at_least: int = 1) -> list[Seen]:
        stdout, stderr = io.StringIO(), io.StringIO()
        await run_console(handle=self.core.handle, user="amel", locale="fr", stdin=io.StringIO("\n".join(self.lines) + "\n"),
                          stdout=stdout, stderr=stderr, interactive=False, deliver=False, files=self.files)
        self.lines = []
        self.output += stdout.getvalue()
        return self.shown()

    def shown(self) -> list[Seen]:
        replies = [block for block in self.output.split("\n\n") if block.strip()]
        return [Seen(block, True, "(file saved:" in block) for block in replies]


@pytest.fixture(params=["telegram", "discord", "slack", "console"])
async def platform(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Platform]:
    if request.param == "telegram":
        async with FakeBotAPI() as api:
            yield Telegram(api)
    elif request.param == "discord":
        async with FakeDiscord() as server:  # as tests/discord_fixtures.py's ``fake``
            discord_runner.configure_endpoints(server.api_base_url, server.gateway_url)
            try:
                yield Discord(server)
            finally:
                discord_runner.configure_endpoints(None, None)
    elif request.param == "slack":
        async with FakeSlack() as slack:
            yield Slack(slack)
    else:
        yield Console(tmp_path)


async def running(platform: Platform, answers: Answers) -> Core:
    core = Core(answers)
    await platform.start(core)
    return core


# ---------------------------------------------------------------- the cases


async def test_a_failure_of_the_core_is_told_to_the_member_in_their_language(platform: Platform) -> None:
    async def fails(request: Request) -> list[Reply]:
        raise RuntimeError("the database went away")

    await running(platform, fails)
    try:
        await platform.say("help")
        seen = await platform.seen()
    finally:
        await platform.stop()
    with use_language("fr"):
        told = _("Something went wrong on my side. Please try again in a moment.")
    assert told != "Something went wrong on my side. Please try again in a moment."  # French, not English
    assert [s for s in seen if told in s.text and s.private], seen
    assert not any("database" in s.text for s in seen)  # the error itself is for the logs only


@pytest.mark.parametrize("reachable", [True, False], ids=["private-chat-open", "no-private-chat"])
async def test_private_data_asked_in_a_group_goes_to_the_member_alone(platform: Platform, reachable: bool) -> None:
    async def mydata(request: Request) -> list[Reply]:
        return [Reply(text="Here is everything I store about you.", private=True,
                      file=FileAttachment("alumni-mydata.json", DATA, "application/json"))]

    await running(platform, mydata)
    if not reachable:
        platform.close_private_chat()
    try:
        await platform.say("mydata", group=True)
        seen = await platform.seen()
    finally:
        await platform.stop()

    def carries_data(seen: Seen) -> bool:
        return seen.file or "everything I store" in seen.text or "the member's own data" in seen.text

    assert not [s for s in seen if not s.private and carries_data(s)], seen  # never to the group
    if reachable or platform.name != "telegram":
        assert [s for s in seen if s.private and carries_data(s)], seen  # privately (or ephemeral) to the member
    else:  # nowhere private to send it: the group gets a pointer to a private chat, without any of the data
        assert [s for s in seen if not s.private and "t.me/" in s.text], seen


async def test_a_long_reply_is_split_at_safe_places_within_the_limit(platform: Platform) -> None:
    lines = [f"line {i}: " + "word & <x> " * 8 for i in range(300)]
    lines.insert(150, "long " * 1500)  # one line longer than any message: cut between words
    text = "\n".join(lines)

    async def long(request: Request) -> list[Reply]:
        return [Reply(text=text)]

    await running(platform, long)
    try:
        await platform.say("help")
        seen = await platform.seen(2 if platform.limit else 1)
    finally:
        await platform.stop()
    assert all(s.size <= platform.limit for s in seen) if platform.limit else len(seen) == 1
    shown = " ".join(s.text for s in seen).split()
    assert shown == text.split()  # every word, in order, none cut in two


async def test_two_requests_of_one_member_in_one_chat_are_answered_in_order(platform: Platform) -> None:
    trace: list[str] = []

    async def slow_then_fast(request: Request) -> list[Reply]:
        trace.append(f"{request.command} in")
        if request.command == "start":
            await asyncio.sleep(0.3)  # the second request arrives meanwhile: it must wait its turn
        trace.append(f"{request.command} out")
        return [Reply(text=f"answer to {request.command}")]

    await running(platform, slow_then_fast)
    try:
        await platform.say("start")
        await platform.say("help")
        seen = await platform.seen(2)
    finally:
        await platform.stop()
    assert trace == ["start in", "start out", "help in", "help out"]
    answers = [s.text for s in seen if "answer to" in s.text]
    assert answers[0].startswith("answer to start") and answers[-1].startswith("answer to help"), answers

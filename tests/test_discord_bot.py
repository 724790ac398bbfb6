"""The real discord.py client and CommandTree against our fake Discord (tests/fakes/discord_api.py).

The core is a recording stub here, so these tests pin the adapter: command sync and its
localizations, interaction callbacks, edits, ephemeral replies, persistent buttons, select
menus, roles, mention safety, the token check. The conversation with the real core is in
test_discord_conversation.py.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest

from bots.discord import handlers, runner
from bots.discord.names import is_valid_name, language_of_locale, localized_name
from bots.discord.translator import translate_word
from bots.discord.client import AlumniBot
from core.messages.types import Button, ChatAccess, ChatKind, Reply, Request
from core.config import Settings
from core.commands.service import CommandService
from core.commands.suggestions import Suggestion, SuggestionQuery, Suggestions
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.fakes.discord_api import CREATE_EVENTS, MANAGE_GUILD, FakeDiscord


class StubService:
    """Records requests; answers each with one reply echoing what it got."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.replies: list[Reply] | None = None

    async def handle(self, request: Request) -> list[Reply]:
        self.requests.append(request)
        if self.replies is not None:
            return self.replies
        what = request.command or request.action or request.text
        return [Reply(text=f"got {what} {request.args}".strip(), edit=request.action is not None,
                      buttons=[[Button("again", "help")]])]

    def over_limit(self, request: Request) -> bool:
        return False

    def command_names(self) -> list[str]:
        return CommandService.command_names(self)  # type: ignore[arg-type]

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        return CommandService.command_descriptions(self, language)  # type: ignore[arg-type]

    async def suggest(self, query: SuggestionQuery) -> list[Suggestion]:
        return await Suggestions(None).suggest(query)  # reference data only: this stub has no database


@asynccontextmanager
async def running(fake: FakeDiscord, service: Any) -> AsyncIterator[AlumniBot]:
    client = AlumniBot(service, guild_ready_timeout=0.05)
    connection = await runner.start(client, fake.token)
    try:
        await runner.wait_ready(client, connection, timeout=5)
        yield client
    finally:
        await client.close()
        connection.cancel()


CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
FOLLOWUP = r"^/webhooks/\d+/[^/]+$"


async def test_commands_are_synced_with_localizations(fake: FakeDiscord) -> None:
    async with running(fake, StubService()):
        sync = fake.find("PUT", r"/applications/\d+/commands$")
    assert len(sync) == 1
    commands = {c["name"]: c for c in sync[0].json}
    assert set(CommandService.command_names(None)) | {"bind", "unbind"} == set(commands)  # type: ignore[arg-type]
    language = commands["language"]
    # descriptions from the catalogs for every Discord locale we speak; Arabic is not a Discord locale
    expected = {"fr", "de", "es-ES", "es-419", "pt-BR", "it", "ru", "zh-CN", "vi", "tr"}
    assert set(language["description_localizations"]) == expected
    assert language["description_localizations"]["fr"] != language["description"]
    assert language["options"][0]["autocomplete"] is True
    assert commands["join"]["options"][0]["required"] is True
    assert commands["bind"]["options"][1]["type"] == 8  # a role
    assert commands["bind"]["dm_permission"] is False
    for locale in sorted(expected):
        names = [c["name_localizations"].get(locale) for c in sync[0].json if c["name_localizations"].get(locale)]
        assert len(names) == len(set(names))
        assert all(is_valid_name(n) for n in names)
    expected = translate_word("language", "fr")
    if expected:  # the catalogs carry the slash names (filled by the translators)
        assert language["name_localizations"]["fr"] == expected


def test_names_discord_would_refuse_fall_back_to_english() -> None:
    assert localized_name("/fuseau-horaire", "timezone") == "fuseau-horaire"
    assert localized_name("/Fuso Horário", "timezone") == "fuso-horário"
    assert localized_name("/mes données!", "mydata") is None
    assert localized_name("/" + "x" * 33, "help") is None
    assert localized_name("/help", "help") is None
    assert is_valid_name("انضم") and not is_valid_name("Join") and not is_valid_name("a b")
    assert language_of_locale(discord.Locale.latin_american_spanish) == "es"
    assert language_of_locale(discord.Locale.brazil_portuguese) == "pt"
    assert language_of_locale("zh-CN") == "zh_Hans"  # Simplified Chinese is a catalog
    assert language_of_locale("zh-TW") is None and language_of_locale("ja") is None  # Traditional script, no catalog


async def test_slash_command_round_trip(fake: FakeDiscord) -> None:
    service = StubService()
    async with running(fake, service):
        await fake.slash("join", {"channel": "tn"}, locale="pt-BR")
        calls = await fake.wait_for("POST", CALLBACK)
    request = service.requests[0]
    assert (request.command, request.args, request.sender.locale) == ("join", "tn", "pt-BR")
    assert request.chat.kind is ChatKind.PRIVATE and request.sender.display_name == "Amel"
    assert calls[0].json["type"] == 4
    assert "got join tn" in calls[0].text()
    assert calls[0].json["data"]["allowed_mentions"] == {"parse": []}
    assert calls[0].custom_ids() == ["al0:help"]


async def test_private_replies_are_ephemeral_and_presses_edit(fake: FakeDiscord) -> None:
    service = StubService()
    async with running(fake, service):
        service.replies = [Reply(text="your data", private=True), Reply(text="public", buttons=[[Button("again", "help")]])]
        await fake.slash("mydata")
        calls = await fake.wait_for("POST", FOLLOWUP)
        assert fake.find("POST", CALLBACK)[0].json["data"]["flags"] & 64
        assert not (calls[0].json.get("flags") or 0) & 64
        service.replies = None
        message = fake.message_of(calls[0])
        await fake.press(message, "al0:help")
        await fake.wait_for("POST", CALLBACK, 2)
    assert service.requests[-1].action == "help"
    update = fake.find("POST", CALLBACK)[1].json
    assert update["type"] == 7  # UPDATE_MESSAGE: the pressed message is replaced
    assert update["data"]["components"] and update["data"]["embeds"] == []


async def test_an_edit_without_buttons_removes_them(fake: FakeDiscord) -> None:
    service = StubService()
    async with running(fake, service):
        await fake.slash("language")
        call = (await fake.wait_for("POST", CALLBACK))[0]
        service.replies = [Reply(text="done", edit=True)]
        await fake.press(fake.message_of(call), "al0:help")
        update = (await fake.wait_for("POST", CALLBACK, 2))[1].json
    assert update["type"] == 7 and update["data"]["components"] == []


async def test_autocomplete_reads_the_core(fake: FakeDiscord) -> None:
    async with running(fake, StubService()):
        await fake.autocomplete("country", "country", "tunis", locale="fr")
        await fake.autocomplete("join", "channel", "san", locale="fr")
        calls = await fake.wait_for("POST", CALLBACK, 2)
    by_type = [c.json for c in calls]
    assert all(c["type"] == 8 for c in by_type)
    countries = by_type[0]["data"]["choices"]
    assert {"name": "Tunisie", "value": "TN"} in countries
    assert len(countries) <= 25


async def test_mentions_can_never_ping(fake: FakeDiscord) -> None:
    service = StubService()
    hostile = "@everyone @here <@&123456789012345678> <@123456789012345678> <#123456789012345678> **bold**"
    service.replies = [Reply(text=hostile, title="@here", buttons=[[Button("@everyone", "help")]])]
    async with running(fake, service):
        await fake.slash("help", user=fake.user(5, "x", "@everyone"))
        call = (await fake.wait_for("POST", CALLBACK))[0]
    content = call.json["data"]["content"]
    for raw in ("@everyone", "@here", "<@&", "<@1", "<#1", "**bold**"):
        assert raw not in content.replace("**\\@here**", "")
    assert "@\u200beveryone" in content
    assert call.json["data"]["allowed_mentions"] == {"parse": []}
    assert service.requests[0].sender.display_name == "@everyone"  # the core gets the name as it is


async def test_long_replies_are_split_at_line_breaks(fake: FakeDiscord) -> None:
    service = StubService()
    lines = [f"line {i} " + "x" * 60 for i in range(100)]
    service.replies = [Reply(text="\n".join(lines))]
    async with running(fake, service):
        await fake.slash("help")
        followups = await fake.wait_for("POST", FOLLOWUP, 3)
    contents = [fake.find("POST", CALLBACK)[0].json["data"]["content"]] + [c.json["content"] for c in followups]
    assert all(len(c) <= 2000 for c in contents)
    assert "\n".join(contents).replace("\\", "").split("\n") == lines


async def test_bind_reports_what_the_server_says(fake: FakeDiscord) -> None:
    service = StubService()
    low = fake.add_role("Tunisia", position=2)
    high = fake.add_role("Moderators", position=9)
    async with running(fake, service):
        await fake.slash("bind", {"channel": "tn", "role": {"id": str(low), "name": "Tunisia", "position": 2, "color": 0,
                                                           "hoist": False, "managed": False, "mentionable": False,
                                                           "permissions": "0"}}, in_guild=True, permissions=MANAGE_GUILD)
        await fake.slash("bind", {"channel": "tn", "role": {"id": str(high), "name": "Moderators", "position": 9, "color": 0,
                                                           "hoist": False, "managed": False, "mentionable": False,
                                                           "permissions": "0"}}, in_guild=True, permissions=MANAGE_GUILD)
        fake.app_permissions &= ~CREATE_EVENTS  # the bot may not manage this server's events: no mirrors asked
        await fake.slash("bind", {"channel": "tn"}, in_guild=True)
        await fake.wait_for("POST", CALLBACK, 3)
    good, too_high, not_admin = service.requests
    assert (good.command, good.args, good.chat_admin, good.bot_can_invite) == ("bind", "tn", True, True)
    assert good.binding == {"guild_id": str(fake.guild_id), "role_id": str(low), "mirror_to": f"events:{fake.guild_id}"}
    assert good.chat.kind is ChatKind.GROUP and good.chat.chat_id == str(fake.text_channel_id) and good.chat.title == "#tunisia"
    assert (too_high.chat_admin, too_high.bot_can_invite) == (True, False)
    assert (not_admin.chat_admin, not_admin.bot_can_invite) == (False, None)
    assert not_admin.binding == {"guild_id": str(fake.guild_id)}


async def test_missing_role_permission_is_told(fake: FakeDiscord) -> None:
    service = StubService()
    access = ChatAccess("tn", str(fake.text_channel_id), True, "#tunisia", {"guild_id": str(fake.guild_id), "role_id": "55"})
    service.replies = [Reply(text="welcome", access=[access])]
    fake.member_roles[1001] = set()
    fake.fail("PUT", r"/roles/55$", 403, {"message": "Missing Permissions", "code": 50013})
    async with running(fake, service):
        await fake.slash("join", {"channel": "tn"})
        call = (await fake.wait_for("POST", CALLBACK))[0]
    assert "welcome" in call.text() and "#tunisia" in call.text().replace("\\", "")
    assert len(call.text().split("\n")) == 2  # the note about the missing permission


async def test_slow_core_is_deferred(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "DEFER_AFTER", 0.05)
    service = StubService()
    original = service.handle

    async def slow(request: Request) -> list[Reply]:
        await asyncio.sleep(0.3)
        return await original(request)

    service.handle = slow  # type: ignore[method-assign]
    async with running(fake, service):
        await fake.slash("help")
        followup = (await fake.wait_for("POST", FOLLOWUP))[0]
    assert fake.find("POST", CALLBACK)[0].json["type"] == 5  # deferred: "thinking"
    assert "got help" in followup.text()


async def test_bad_token_is_one_line_and_exit_1(fake: FakeDiscord, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", discord_bot_token="wrong",
                        discord_api_base_url=fake.api_base_url, discord_gateway_url=fake.gateway_url)
    assert await runner.run(settings) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DISCORD_BOT_TOKEN" in err and "wrong" not in err
    assert await runner.run(Settings(database_url=settings.database_url)) == 2


async def test_run_until_stopped(fake: FakeDiscord, tmp_path: Any) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", discord_bot_token=fake.token,
                        discord_api_base_url=fake.api_base_url, discord_gateway_url=fake.gateway_url)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(settings, stop_event=stop))
    await asyncio.wait_for(fake.identified.wait(), 5)
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0


async def test_select_menu_choice_goes_to_the_core(fake: FakeDiscord) -> None:
    service = StubService()
    service.replies = [Reply(text="pick", buttons=[[Button(f"C{i}", f"country C{i}")] for i in range(8)])]
    async with running(fake, service):
        await fake.slash("country")
        call = (await fake.wait_for("POST", CALLBACK))[0]
        selects = [c for c in call.components() if c["type"] == 3]
        assert [o["value"] for o in selects[0]["options"]] == [f"country C{i}" for i in range(8)]
        service.replies = [Reply(text="done")]
        await fake.press(fake.message_of(call), selects[0]["custom_id"], values=["country C5"])
        await fake.wait_for("POST", CALLBACK, 2)
    assert service.requests[-1].action == "country C5"


async def test_a_failing_core_is_answered_and_the_bot_goes_on(fake: FakeDiscord) -> None:
    service = StubService()
    original = service.handle

    async def failing(request: Request) -> list[Reply]:
        if request.command == "forget":
            raise RuntimeError("boom")
        return await original(request)

    service.handle = failing  # type: ignore[method-assign]
    async with running(fake, service):
        await fake.slash("forget")
        first = (await fake.wait_for("POST", CALLBACK))[0]
        await fake.slash("help")
        second = (await fake.wait_for("POST", CALLBACK, 2))[1]
    assert first.json["data"]["flags"] & 64 and first.text()
    assert "got help" in second.text()


async def test_cli_run_discord_with_a_rejected_token(fake: FakeDiscord, tmp_path: Any) -> None:
    """``alumni run discord`` as an administrator runs it: one line on stderr, exit 1, no traceback."""
    import os
    import sys

    env = {**os.environ, "DISCORD_BOT_TOKEN": "revoked-token", "DISCORD_API_BASE_URL": fake.api_base_url,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "ALUMNI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.cli", "run", "discord", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert process.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("alumni: error: Discord rejected DISCORD_BOT_TOKEN")
    assert "revoked-token" not in err.decode() + out.decode()

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

import pytest

from bots.discord import runner
from bots.discord.client import AlumniBot
from core.commands.types import Button, ChatAccess, Reply, Request
from core.commands.service import CommandService
from tests.fakes.discord_api import MANAGE_GUILD, FakeDiscord


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

    def command_names(self) -> list[str]:
        return CommandService.command_names(self)  # type: ignore[arg-type]

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        return CommandService.command_descriptions(self, language)  # type: ignore[arg-type]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        runner.configure_endpoints(server.api_base_url, server.gateway_url)
        try:
            yield server
        finally:
            runner.configure_endpoints(None, None)


@asynccontextmanager
async def running(fake: FakeDiscord, service: Any) -> AsyncIterator[AlumniBot]:
    client = AlumniBot(service)
    connection = await runner.start(client, fake.token)
    try:
        await runner.wait_ready(client, connection, timeout=5)
        yield client
    finally:
        await client.close()
        connection.cancel()


async def test_commands_are_synced_with_localizations(fake: FakeDiscord) -> None:
    async with running(fake, StubService()):
        sync = fake.find("PUT", r"/applications/\d+/commands$")
    assert len(sync) == 1
    commands = {c["name"]: c for c in sync[0].json}
    assert {"start", "help", "language", "country", "join", "leave", "bind"} <= set(commands)
    print(commands["language"])
    assert commands["language"]["name_localizations"]["fr"]


async def test_slash_command_round_trip(fake: FakeDiscord) -> None:
    service = StubService()
    async with running(fake, service):
        await fake.slash("join", {"channel": "tn"})
        calls = await fake.wait_for("POST", r"/interactions/\d+/.+/callback")
    assert service.requests[0].command == "join"
    assert service.requests[0].args == "tn"
    assert calls[0].json["type"] == 4
    assert "got join tn" in calls[0].text()

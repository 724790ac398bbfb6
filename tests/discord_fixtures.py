"""Fixtures shared by the Discord tests: the fake Discord (with discord.py pointed at it) and the core."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.discord import runner
from core.app import App, open_app
from core.config import Settings
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        runner.configure_endpoints(server.api_base_url, server.gateway_url)
        try:
            yield server
        finally:
            runner.configure_endpoints(None, None)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    opened = await open_app(Settings(database_url=database_url), migrate=True)
    try:
        yield opened
    finally:
        await opened.close()

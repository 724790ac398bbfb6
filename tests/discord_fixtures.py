"""Shared by the Discord tests: the fake Discord (with discord.py pointed at it) and settings naming it.

The app itself is the ``app`` fixture of conftest."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.discord import runner
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


def settings_for(database_url: str, fake: FakeDiscord) -> Settings:
    """A bot process's settings pointed at the fake (for ``runner.run``, which configures its endpoints)."""
    return Settings(database_url=database_url, discord_bot_token=fake.token,
                    discord_api_base_url=fake.api_base_url, discord_gateway_url=fake.gateway_url)

"""DiscordTransport (the delivery engine's sender) with the real discord.py HTTP client and our fake."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bots.discord import runner
from bots.discord.client import AlumniBot
from core.messages.types import Reply
from core.delivery.transport import PermanentError, RetryAfter, Target, TransientError, Unreachable
from tests.fakes.discord_api import FakeDiscord
from tests.test_discord_bot import StubService

USER = "1001"


@pytest.fixture
async def transport() -> AsyncIterator[tuple[FakeDiscord, Any]]:
    async with FakeDiscord() as fake:
        runner.configure_endpoints(fake.api_base_url, fake.gateway_url)
        client = AlumniBot(StubService(), sync_commands=False)
        await client.login(fake.token)  # REST only: a transport needs no gateway
        try:
            yield fake, client.transport()
        finally:
            await client.close()
            runner.configure_endpoints(None, None)


async def test_dm_opens_the_channel_once_and_mentions_are_off(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    await sender.send(Target("discord", USER), Reply(text="@everyone hello"))
    await sender.send(Target("discord", USER), Reply(text="again"))
    assert len(fake.find("POST", r"^/users/@me/channels$")) == 1
    posts = fake.find("POST", rf"^/channels/{int(USER) + 5}/messages$")
    assert [p.json["allowed_mentions"] for p in posts] == [{"parse": []}] * 2
    assert "@everyone" not in posts[0].json["content"]


async def test_channel_post(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    await sender.send(Target("discord", str(fake.text_channel_id), to_chat=True), Reply(text="news"))
    assert fake.find("POST", rf"^/channels/{fake.text_channel_id}/messages$")[0].json["content"] == "news"


async def test_short_429_is_waited_by_discord_py(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    fake.fail_rate_limited("POST", r"/messages$", retry_after=0.05)
    await sender.send(Target("discord", str(fake.text_channel_id), to_chat=True), Reply(text="news"))
    assert len(fake.find("POST", r"/messages$")) == 2  # refused once, then sent


async def test_long_429_is_retry_after(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    fake.fail_rate_limited("POST", r"/messages$", retry_after=60.0)
    with pytest.raises(RetryAfter) as caught:
        await sender.send(Target("discord", str(fake.text_channel_id), to_chat=True), Reply(text="news"))
    assert caught.value.seconds == 60.0


async def test_closed_dms_are_unreachable(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    fake.fail("POST", r"/messages$", 403, {"message": "Cannot send messages to this user", "code": 50007})
    with pytest.raises(Unreachable):
        await sender.send(Target("discord", USER), Reply(text="hi"))


async def test_unknown_channel_is_permanent(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    fake.fail("POST", r"/messages$", 404, {"message": "Unknown Channel", "code": 10003})
    with pytest.raises(PermanentError) as caught:
        await sender.send(Target("discord", "123", to_chat=True), Reply(text="hi"))
    assert not isinstance(caught.value, Unreachable)


async def test_network_trouble_is_transient(transport: tuple[FakeDiscord, Any]) -> None:
    fake, sender = transport
    await fake.stop()
    with pytest.raises(TransientError):
        await sender.send(Target("discord", "123", to_chat=True), Reply(text="hi"))


def test_server_errors_are_transient() -> None:
    from types import SimpleNamespace

    from bots.discord.transport import delivery_error

    response = SimpleNamespace(status=503, reason="Service Unavailable", headers={})
    assert isinstance(delivery_error(discord.DiscordServerError(response, "down")), TransientError)

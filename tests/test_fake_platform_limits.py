"""The Slack and Discord fakes keep the platforms' rate limits (scaled up so nothing waits long), and
the real libraries with our limiter keep them: slack_sdk paced by core.delivery.limits, discord.py
by the X-RateLimit-* headers and 429s the fake announces."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bots.discord import runner
from bots.discord.client import AlumniBot
from bots.slack.transport import SlackTransport
from core.delivery.limits import Limits
from core.delivery.transport import RetryAfter, Target
from core.messages.types import Reply
from tests.fakes.discord_api import DiscordLimits, FakeDiscord
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack, SlackLimits
from tests.test_discord_bot import StubService

SCALE = 20.0  # Slack: a message per 50 ms per channel; Discord: 5 per 0.25 s per route, 1,000/s overall


@pytest.fixture
async def slack() -> AsyncIterator[tuple[FakeSlack, SlackTransport]]:
    async with FakeSlack() as fake:
        fake.enforce_limits(SlackLimits(scale=SCALE, jitter=0.01))
        transport = SlackTransport(BOT_TOKEN, base_url=fake.base_url)
        try:
            yield fake, transport
        finally:
            await transport.close()


async def test_slack_refuses_a_second_message_within_the_channels_second(slack) -> None:  # type: ignore[no-untyped-def]
    fake, transport = slack
    channel = Target("slack", "C0TN", to_chat=True)
    await transport.send(channel, Reply(text="first"))
    with pytest.raises(RetryAfter) as caught:  # slack_sdk's 429, with Slack's Retry-After
        await transport.send(channel, Reply(text="too soon"))
    assert caught.value.seconds == 1 and caught.value.scope == "chat"
    await transport.send(Target("slack", "C0OTHER", to_chat=True), Reply(text="another channel"))
    assert [c.params["text"] for c in fake.too_many] == ["too soon"]


async def test_slack_messages_paced_by_our_limiter_are_all_accepted(slack) -> None:  # type: ignore[no-untyped-def]
    fake, transport = slack
    limiter = Limits(scale=SCALE)["slack"]
    channel = Target("slack", "C0TN", to_chat=True)
    started = time.monotonic()
    for n in range(5):
        await limiter.acquire(channel)
        await transport.send(channel, Reply(text=f"n{n}"))
    assert fake.too_many == []
    assert time.monotonic() - started >= 4 / SCALE * 0.9
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == [f"n{n}" for n in range(5)]


@pytest.fixture
async def discord() -> AsyncIterator[tuple[FakeDiscord, Any]]:
    async with FakeDiscord() as fake:
        fake.enforce_limits(DiscordLimits(scale=SCALE))
        runner.configure_endpoints(fake.api_base_url, fake.gateway_url)
        client = AlumniBot(StubService(), sync_commands=False)
        await client.login(fake.token)  # REST only
        try:
            yield fake, client.transport()
        finally:
            await client.close()
            runner.configure_endpoints(None, None)


async def test_discord_py_waits_out_a_routes_bucket_from_its_headers(discord) -> None:  # type: ignore[no-untyped-def]
    fake, sender = discord
    channel = Target("discord", str(fake.text_channel_id), to_chat=True)
    started = time.monotonic()
    for n in range(7):  # 5 per 0.25 s: the 6th waits for the bucket to reset
        await sender.send(channel, Reply(text=f"m{n}"))
    assert fake.too_many == []  # discord.py read X-RateLimit-Remaining: 0 and waited, no 429
    assert time.monotonic() - started >= 0.2
    assert [c.json["content"] for c in fake.find("POST", r"/messages$")] == [f"m{n}" for n in range(7)]


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_discord_py_retries_after_a_global_429(discord) -> None:  # type: ignore[no-untyped-def]
    fake, sender = discord
    clock = fake.clock = Clock()  # the fake's time stands still until the test moves it
    fake.enforce_limits(DiscordLimits())  # 50 a second, a burst of 50
    channels = [Target("discord", str(fake.text_channel_id + 1000 + n), to_chat=True) for n in range(50)]
    await asyncio.gather(*(sender.send(c, Reply(text=f"to {c.address}")) for c in channels))
    one_more = asyncio.create_task(sender.send(Target("discord", "42424242", to_chat=True), Reply(text="51st")))
    while not fake.refused_by:
        await asyncio.sleep(0.005)
    clock.now += 1.0  # a second later the bucket has room again: discord.py's retry goes through
    await one_more
    assert fake.refused_by == ["global"]
    assert [c.json["content"] for c in fake.find("POST", r"^/channels/42424242/messages$")] == ["51st", "51st"]
    assert fake.find("POST", r"^/channels/42424242/messages$")[0] in fake.too_many


async def test_discord_sends_paced_by_our_limiter_stay_within_the_global_limit(discord) -> None:  # type: ignore[no-untyped-def]
    fake, sender = discord
    limiter = Limits(scale=SCALE)["discord"]  # 1,000 a second, as the fake at this scale

    async def send(n: int) -> None:
        target = Target("discord", str(fake.text_channel_id + 1000 + n), to_chat=True)
        await limiter.acquire(target)
        await sender.send(target, Reply(text=f"n{n}"))

    await asyncio.gather(*(send(n) for n in range(120)))
    assert fake.too_many == []
    assert len(fake.find("POST", r"/messages$")) == 120

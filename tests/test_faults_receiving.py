"""Platform outages seen from the receiving side: each bot keeps running and answers again.

- Telegram (long polling): getUpdates meets each outage (refused, hung, 5xx, invalid JSON);
  PTB's polling loop retries with its backoff and the next message is answered.
- Discord: the gateway goes away (the websocket is closed, the port refused) and comes back:
  discord.py reconnects and RESUMEs, and the next slash command is answered.
- Slack (HTTP mode): while the Web API is down, slash commands are still acknowledged at once
  (the answers cannot reach Slack and are logged), and answered again once it returns.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from core.app import App
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.server import OUTAGES
from tests.fakes.slack_api import FakeSlack, SlackSender
from tests.fakes.telegram_api import FakeBotAPI
from tests.test_discord_bot import CALLBACK, StubService as DiscordStub, running as discord_running
from tests.test_slack_conversation import app_url, core, exchange, sender, slack  # noqa: F401 - fixtures
from tests.test_telegram_bot import StubService as TelegramStub, running as telegram_running

RECEIVING_OUTAGES = ("refused", "timeout", "5xx", "invalid_json")


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_telegram_polling_survives_every_get_updates_failure() -> None:
    service = TelegramStub()
    async with FakeBotAPI() as api, telegram_running(api, service):
        user = api.user(901)
        for n, outage in enumerate(RECEIVING_OUTAGES):
            await api.outage(outage)
            hits = api.outage_hits
            if outage == "refused":  # attempts never reach the server: let a few poll rounds fail
                await asyncio.sleep(1.5)
            else:
                await until(lambda: api.outage_hits >= hits + 1)  # getUpdates met it
            await api.restore()
            api.push_message(f"/help {n}", user=user)
            await api.wait_for(lambda: len(service.requests) > n, timeout=15)
            await api.wait_for(lambda: any(f"{n}" in str(c.params.get("text")) for c in api.sent(901)), timeout=15)
        assert [r.args for r in service.requests] == [str(n) for n in range(len(RECEIVING_OUTAGES))]  # each once


async def test_discord_gateway_reconnects_and_resumes_after_an_outage(fake: FakeDiscord) -> None:  # noqa: F811
    service = DiscordStub()
    async with discord_running(fake, service) as client:
        await fake.slash("help")
        await fake.wait_for("POST", CALLBACK, count=1)
        for round_, outage in enumerate(("drop", "refused")):
            if outage == "drop":  # the connection dies without a close frame: discord.py resumes at once
                fake.drop_gateway()
            else:  # the gateway closes its websocket and the port refuses for a while: resumed after backoff
                await fake.outage("refused")
                await asyncio.sleep(0.5)
                await fake.restore()
            await until(lambda: fake.resumes > round_, timeout=15)  # discord.py came back and RESUMEd
            await fake.slash("help")
            await fake.wait_for("POST", CALLBACK, count=2 + round_, timeout=10)
        assert fake.identify_count == 1 and fake.resumes == 2  # resumed, not a new session
        assert not client.is_closed()


async def test_slack_http_mode_keeps_acknowledging_during_every_web_api_outage(
    slack: FakeSlack, sender: SlackSender, core: App  # noqa: F811
) -> None:
    if core.db.backend != "sqlite":
        pytest.skip("the outage is Slack's: one database is enough")
    await exchange(slack, lambda: sender.command("help"))
    for outage in OUTAGES:
        await slack.outage(outage)
        for _ in range(2):
            response = await sender.command("help")
            assert response.status == 200, outage  # acknowledged within Slack's 3 s, outage or not
        await slack.restore()
        answered = await exchange(slack, lambda: sender.command("help"))
        assert answered, outage

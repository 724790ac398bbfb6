"""An announcement reaching Slack through the running app: the core plans the outbox rows
(members once each, the bound Slack channel once) and the delivery engine that ``runner.start``
runs beside the bolt app sends each row as Block Kit, every text escaped."""
from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bots.slack import runner
from core.announcements.planning import create_announcement
from core.app import App
from core.audit import Actor
from core.messages.types import Chat, ChatKind, Request, Sender
from core.config import Settings
from core.db.engine import Database
from core.db.models import Channel, ChannelBinding, Delivery
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack

INJECTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U999>")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def test_an_announcement_reaches_members_and_the_bound_channel_once(
    db: Database, database_url: str, slack: FakeSlack
) -> None:
    core = App(settings=Settings(database_url=database_url), db=db)
    service = core.commands
    for user, locale in (("U1", "fr-FR"), ("U2", "en-US")):
        sender = Sender("slack", user, "Member", locale, "Africa/Tunis")
        await service.handle(Request(sender, Chat("D" + user, ChatKind.PRIVATE), command="language", args=locale[:2]))
        await service.handle(Request(sender, Chat("D" + user, ChatKind.PRIVATE), command="join", args="tn"))
    settings = Settings(database_url=database_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=slack.base_url)
    running = await runner.start(settings, service, SimpleNamespace(port=0, listen="127.0.0.1"))
    try:
        assert running.engine is not None and running.engine.running
        async with db.transaction() as session:
            channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
            session.add(ChannelBinding(status="approved", channel_id=channel.id, platform="slack", chat_id="C0TN", title="#alumni-tn"))
            await session.flush()
            await create_announcement(session, channel, {"en": "Picnic <!channel> & <@U999> on Sunday",
                                                         "fr": "Pique-nique <!here> dimanche"},
                                      sender_name="<!everyone> Ambassador", actor=Actor.command_line())
        await slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 3)
        await slack.settle(quiet=0.5)

        async def statuses() -> list[str]:
            async with db.transaction() as session:
                return list(await session.scalars(select(Delivery.status).where(Delivery.platform == "slack")))

        for _attempt in range(50):  # the engine records "sent" just after Slack answered
            if all(status == "sent" for status in await statuses()):
                break
            await slack.settle(quiet=0.05)
        assert sorted(await statuses()) == ["sent"] * 3
    finally:
        await runner.stop(running)
    assert not running.engine.running  # stopped with the app

    posts = slack.calls_to("chat.postMessage")
    assert sorted(p.params["channel"] for p in posts) == ["C0TN", "D1", "D2"]  # each once
    by_channel = {p.params["channel"]: p.mrkdwn() for p in posts}
    assert "Pique-nique &lt;!here&gt; dimanche" in by_channel["D1"]
    assert "Picnic &lt;!channel&gt; &amp; &lt;@U999&gt; on Sunday" in by_channel["D2"]
    for text in by_channel.values():
        assert not any(i in text for i in INJECTIONS), text
    assert all(p.blocks and p.blocks[0]["type"] in ("header", "section") for p in posts)
    assert any("<!everyone> Ambassador" in p.plain() for p in posts)  # shown as typed in a plain_text header

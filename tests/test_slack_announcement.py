"""An announcement reaching Slack: the core plans the outbox rows (members once each, the bound
Slack channel once), and SlackTransport sends each row's reply as Block Kit, every text escaped.

The delivery engine that claims rows is being built elsewhere; here each planned Slack row is
rendered and sent once, in order, which is the engine's job in its simplest form.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bots.slack.transport import SlackTransport
from core.announcements.planning import create_announcement
from core.commands.service import CommandService
from core.commands.types import Chat, ChatKind, Request, Sender
from core.db.engine import Database
from core.db.models import Channel, ChannelBinding, Delivery
from core.delivery.renderers import render_delivery
from core.delivery.transport import Target
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

INJECTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U999>")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def test_an_announcement_reaches_members_and_the_bound_channel_once(db: Database, slack: FakeSlack) -> None:
    service = CommandService(db)
    for user, locale in (("U1", "fr-FR"), ("U2", "en-US")):
        sender = Sender("slack", user, "Member", locale, "Africa/Tunis")
        await service.handle(Request(sender, Chat("D" + user, ChatKind.PRIVATE), command="language", args=locale[:2]))
        await service.handle(Request(sender, Chat("D" + user, ChatKind.PRIVATE), command="join", args="tn"))
    async with db.transaction() as session:
        channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        session.add(ChannelBinding(channel_id=channel.id, platform="slack", chat_id="C0TN", title="#alumni-tn"))
        await session.flush()
        await create_announcement(session, channel, {"en": "Picnic <!channel> & <@U999> on Sunday",
                                                     "fr": "Pique-nique <!here> dimanche"},
                                  sender_name="<!everyone> Ambassador")

    transport = SlackTransport(BOT_TOKEN, base_url=slack.base_url)
    try:
        async with db.transaction() as session:
            rows = list(await session.scalars(select(Delivery).where(Delivery.platform == "slack").order_by(Delivery.id)))
            for row in rows:
                reply = await render_delivery(session, row)
                assert reply is not None
                await transport.send(Target("slack", row.target, row.to_chat), reply)
    finally:
        await transport.close()

    posts = slack.calls_to("chat.postMessage")
    assert sorted(p.params["channel"] for p in posts) == ["C0TN", "D1", "D2"]  # each once
    by_channel = {p.params["channel"]: p.mrkdwn() for p in posts}
    assert "Pique-nique &lt;!here&gt; dimanche" in by_channel["D1"]
    assert "Picnic &lt;!channel&gt; &amp; &lt;@U999&gt; on Sunday" in by_channel["D2"]
    for text in by_channel.values():
        assert not any(i in text for i in INJECTIONS), text
    assert all(p.blocks and p.blocks[0]["type"] in ("header", "section") for p in posts)
    assert any("<!everyone> Ambassador" in p.plain() for p in posts)  # shown as typed in a plain_text header

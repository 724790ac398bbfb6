"""A stranger's group waits for the network's consent, on Telegram end to end (issue 13).

``alumni run telegram`` (python-telegram-bot, the delivery engine) against the fake Bot API:
a group administrator who is nobody in the network binds "OFFICIAL Tunisia Alumni" to
Tunisia. Until the Tunisian ambassador presses Approve on the notice the bot sent them (in
Arabic), /join hands out no invite and an announcement to Tunisia does not reach the group;
a forged press is refused in French and changes nothing. Then both work.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bots.telegram import runner
from core.audit import Actor
from core.announcements.planning import create_announcement
from core.app import App
from core.config import Settings
from core.db.models import Channel, ChannelBinding
from tests.events_helpers import member_with
from tests.fakes.telegram_api import Call, FakeBotAPI

GROUP_ID = -100321


async def announce(app: App, text: str) -> None:
    async with app.db.transaction() as session:
        tn = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        await create_announcement(session, tn, {"en": text, "fr": text}, actor=Actor.command_line())


def texts(calls: list[Call]) -> list[str]:
    return [c.params["text"] for c in calls]


async def test_the_group_gets_nothing_until_the_ambassador_approves(api_and_bot: tuple[FakeBotAPI, App]) -> None:
    api, app = api_and_bot
    group = api.chat(GROUP_ID, "supergroup", "OFFICIAL Tunisia Alumni")
    stranger, sami = api.user(3001, "Mallory", "en"), api.user(3002, "Sami", "ar")
    bob, carol = api.user(3003, "Bob", "fr"), api.user(3004, "Carol", "en")
    api.set_admin(GROUP_ID, 3001)
    api.set_admin(GROUP_ID, api.bot["id"], is_bot=True)

    api.push_message("/bind@alumni_test_bot tn", user=stranger, chat=group)
    await api.wait_for(lambda: api.sent(3002) and api.sent(GROUP_ID), timeout=10)
    assert "approves" in api.sent(GROUP_ID)[0].params["text"]
    (notice,) = api.sent(3002)  # the ambassador's notice, in Arabic, with the two buttons
    assert "OFFICIAL Tunisia Alumni" in notice.params["text"] and "Mallory" in notice.params["text"]
    approve, reject = notice.callback_data()
    assert approve.startswith("binding approve ") and reject.startswith("binding unbind ")
    assert [b["text"] for b in notice.buttons] == ["موافقة", "رفض"]

    # Bob joins Tunisia and an announcement goes out: neither reaches the pending group
    api.push_message("/join tn", user=bob)
    await api.wait_for(lambda: api.sent(3003), timeout=10)
    await announce(app, "Before approval")
    await api.wait_for(lambda: "Before approval" in " ".join(texts(api.sent(3003))), timeout=10)
    assert api.calls_to("createChatInviteLink") == [] and len(api.sent(GROUP_ID)) == 1

    # Bob forges the Approve button on his own message: refused in French, still pending
    api.push_callback(approve, api.sent(3003)[0].result, user=bob)
    await api.wait_for(lambda: len(api.sent(3003)) >= 3, timeout=10)
    refusal = api.sent(3003)[-1].params["text"]
    assert "ambassadeur" in refusal and "Tunisie" in refusal
    async with app.db.transaction() as session:
        assert (await session.scalar(select(ChannelBinding.status))) == "pending"

    # Sami approves: his notice is replaced by the confirmation, in Arabic
    api.push_callback(approve, notice.result, user=sami)
    await api.wait_for(lambda: len(api.sent(3002)) >= 2, timeout=10)
    assert api.sent(3002)[-1].method == "editMessageText" and "تونس" in api.sent(3002)[-1].params["text"]
    async with app.db.transaction() as session:
        assert (await session.scalar(select(ChannelBinding.status))) == "approved"

    # now /join hands out a single-use invite to the group, and announcements reach it
    api.push_message("/join tn", user=carol)
    (invite,) = await api.wait_calls("createChatInviteLink", timeout=10)
    assert invite.params["chat_id"] == str(GROUP_ID) and invite.params["member_limit"] == "1"
    await announce(app, "After approval")
    await api.wait_for(lambda: "After approval" in " ".join(texts(api.sent(GROUP_ID))), timeout=10)
    # the stranger heard the answer in private
    await api.wait_for(lambda: api.sent(3001), timeout=10)
    assert "OFFICIAL Tunisia Alumni" in api.sent(3001)[0].params["text"]


@pytest.fixture
async def api_and_bot(app: App, database_url: str) -> AsyncIterator[tuple[FakeBotAPI, App]]:
    """The fake Bot API and ``alumni run telegram`` on it (bot and delivery engine), the Tunisian ambassador known."""
    await member_with(app.db, "3002", platform="telegram", language="ar", role="ambassador", role_country="TN")
    async with FakeBotAPI() as api:
        stop = asyncio.Event()
        settings = Settings(database_url=database_url, telegram_bot_token=api.token, telegram_api_base_url=api.base_url)
        running = asyncio.create_task(runner.run(settings, stop_event=stop))
        try:
            await api.wait_calls("getMe", timeout=10)
            yield api, app
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 40) == 0

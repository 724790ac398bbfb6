"""A second approval and the quota on Telegram, end to end (issue 13).

``alumni run telegram`` (python-telegram-bot, the delivery engine) against the fake Bot API, with
Tunisia set to "approval required" and ALUMNI_ANNOUNCE_PER_DAY=1. Sami, a Tunisian ambassador
writing in Arabic, sends an announcement: it waits, Bob (a member of Tunisia) gets nothing. Sami's
own press of Approve is refused, so is Bob's forged press (in French); Leila, the other Tunisian
ambassador, approves from the notice the bot sent her (in Spanish) and Bob gets it. Sami's next
announcement that day is refused, in Arabic, and nothing is created.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bots.telegram import runner
from core.app import App, open_app
from core.config import Settings
from core.db.models import Announcement, Channel
from tests.events_helpers import member_with
from tests.fakes.telegram_api import Call, FakeBotAPI

SAMI, LEILA, BOB = 4002, 4005, 4003


def pressing(api: FakeBotAPI, user: dict[str, Any], part: str) -> None:
    """Press the button of ``user``'s latest message whose callback data holds ``part``."""
    call = next(c for c in reversed(api.sent(user["id"])) if any(part in d for d in c.callback_data()))
    api.push_callback(next(d for d in call.callback_data() if part in d), call.result, user=user)


async def answered(api: FakeBotAPI, user_id: int, count: int) -> Call:
    await api.wait_for(lambda: len(api.sent(user_id)) > count, timeout=10)
    return api.sent(user_id)[-1]


async def sami_announces(api: FakeBotAPI, sami: dict[str, Any], text: str) -> Call:
    seen = len(api.sent(SAMI))
    api.push_message("/announce tn", user=sami)
    await answered(api, SAMI, seen)
    api.push_message(text, user=sami)
    await api.wait_for(lambda: any("!preview" in d for c in api.sent(SAMI)[seen + 1:] for d in c.callback_data()),
                       timeout=10)
    pressing(api, sami, "!preview")
    await api.wait_for(lambda: any("!confirm-" in d for c in api.sent(SAMI)[seen + 2:] for d in c.callback_data()),
                       timeout=10)
    before = len(api.sent(SAMI))
    pressing(api, sami, "!confirm-")
    return await answered(api, SAMI, before)


async def test_held_until_another_ambassador_approves_then_the_quota(api_and_bot: tuple[FakeBotAPI, App]) -> None:
    api, app = api_and_bot
    sami, leila, bob = api.user(SAMI, "Sami", "ar"), api.user(LEILA, "Leila", "es"), api.user(BOB, "Bob", "fr")
    api.push_message("/join tn", user=bob)
    await answered(api, BOB, 0)

    waiting = await sami_announces(api, sami, "اجتماع يوم السبت")
    assert "تونس" in waiting.params["text"]  # "awaits approval", in Arabic
    await api.wait_for(lambda: api.sent(LEILA), timeout=10)
    (notice,) = api.sent(LEILA)
    assert "اجتماع يوم السبت" in notice.params["text"] and "Túnez" in notice.params["text"]
    approve, reject = notice.callback_data()
    assert approve.startswith("announcement approve ") and reject.startswith("announcement reject ")
    assert [b["text"] for b in notice.buttons] == ["Aprobar", "Rechazar"]

    seen = len(api.sent(SAMI))
    api.push_callback(approve, waiting.result, user=sami)  # the sender's own press: refused
    assert "إعلانك" in (await answered(api, SAMI, seen)).params["text"]
    seen = len(api.sent(BOB))
    api.push_callback(approve, api.sent(BOB)[0].result, user=bob)  # a forged press: refused in French
    assert "ambassadeur" in (await answered(api, BOB, seen)).params["text"]
    async with app.db.transaction() as session:
        assert list(await session.scalars(select(Announcement.status))) == ["awaiting"]
    assert not any("اجتماع" in c.params["text"] for c in api.sent(BOB))

    api.push_callback(approve, notice.result, user=leila)
    edited = await answered(api, LEILA, 1)
    assert edited.method == "editMessageText" and "Túnez" in edited.params["text"]
    await api.wait_for(lambda: any("اجتماع يوم السبت" in c.params["text"] for c in api.sent(BOB)), timeout=10)

    refused = await sami_announces(api, sami, "اجتماع آخر")  # one a day: refused in Arabic, nothing created
    assert "الأربع والعشرين" in refused.params["text"] and "الحد الأقصى" in refused.params["text"]
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 1


@pytest.fixture
async def api_and_bot(database_url: str) -> AsyncIterator[tuple[FakeBotAPI, App]]:
    """Tunisia requires approval; its two ambassadors known; ``alumni run telegram`` with one announcement a day."""
    app = await open_app(Settings(database_url=database_url), migrate=True)
    try:
        await member_with(app.db, str(SAMI), platform="telegram", language="ar", role="ambassador", role_country="TN")
        await member_with(app.db, str(LEILA), platform="telegram", language="es", role="ambassador", role_country="TN")
        async with app.db.transaction() as session:
            (await session.scalar(select(Channel).where(Channel.slug == "tn"))).approval = "required"
        async with FakeBotAPI() as api:
            stop = asyncio.Event()
            settings = Settings(database_url=database_url, telegram_bot_token=api.token,
                                telegram_api_base_url=api.base_url, announce_per_day=1)
            running = asyncio.create_task(runner.run(settings, stop_event=stop))
            try:
                await api.wait_calls("getMe", timeout=10)
                yield api, app
            finally:
                stop.set()
                assert await asyncio.wait_for(running, 40) == 0
    finally:
        await app.close()

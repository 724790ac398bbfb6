"""The fake Bot API keeps Telegram's documented limits as strictly as the platform (the tests and
the delivery bench rely on it), seen through the real python-telegram-bot Bot. The fake's clock is
injected: nothing here waits."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bots.telegram.errors import retry_after_seconds
from tests.delivery_helpers import telegram_bot
from tests.fakes.telegram_api import FakeBotAPI, TelegramLimits


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def strict() -> AsyncIterator[tuple[FakeBotAPI, Bot, Clock]]:
    async with FakeBotAPI() as fake:
        clock = fake.clock = Clock()
        fake.enforce_limits(TelegramLimits(jitter=0.0))
        async with telegram_bot(fake.base_url, fake.token) as bot:
            yield fake, bot, clock


async def retry_after(bot: Bot, chat_id: int, text: str) -> float:
    """The retry_after of the 429 answered (0: the message was accepted)."""
    try:
        await bot.send_message(chat_id, text)
    except RetryAfter as error:
        return retry_after_seconds(error)
    return 0.0


async def test_a_chat_takes_one_message_a_second_and_stays_closed_for_the_retry_after(strict) -> None:  # type: ignore[no-untyped-def]
    fake, bot, clock = strict
    assert await retry_after(bot, 501, "one") == 0
    clock.now += 0.5
    assert await retry_after(bot, 501, "two") == 2  # the refused one counts too: 2 s of debt
    assert await retry_after(bot, 502, "elsewhere") == 0  # another chat is not concerned
    clock.now += 1.0
    assert await retry_after(bot, 501, "too soon") == 1  # closed until the retry_after is over
    clock.now += 1.0
    assert await retry_after(bot, 501, "on time") == 0  # whoever waits what was announced gets through
    assert fake.refused_by == ["chat", "closed chat"]
    assert [c.params["text"] for c in fake.messages()] == ["one", "elsewhere", "on time"]


async def test_a_group_takes_twenty_messages_a_minute(strict) -> None:  # type: ignore[no-untyped-def]
    fake, bot, clock = strict
    for n in range(20):
        assert await retry_after(bot, -100300, f"g{n}") == 0
        clock.now += 1.0
    # the first would leave the minute in 40 s, but the refused one counts too: the second in 41 s
    assert await retry_after(bot, -100300, "21st") == 41
    assert fake.refused_by == ["group"]


async def test_floods_repeated_soon_after_a_penalty_double_it_up_to_the_cap(strict) -> None:  # type: ignore[no-untyped-def]
    fake, bot, clock = strict
    fake.limits.chat_burst = 1.0
    penalties = []
    for n in range(7):
        assert await retry_after(bot, 601, f"ok {n}") == 0
        penalty = await retry_after(bot, 601, f"flood {n}")  # at once: over the chat's second
        penalties.append(penalty)
        clock.now += penalty  # waited out exactly: the next flood comes within the quiet period
    assert penalties == [2, 4, 8, 16, 32, 32, 32]
    clock.now += 61.0  # a quiet minute forgives
    assert await retry_after(bot, 601, "ok") == 0
    assert await retry_after(bot, 601, "flood") == 2


async def test_the_overall_limit_closes_the_whole_bot(strict) -> None:  # type: ignore[no-untyped-def]
    fake, bot, clock = strict
    for n in range(30):  # one second's worth at once, to 30 people
        assert await retry_after(bot, 1000 + n, "hi") == 0
    assert await retry_after(bot, 2000, "31st") == 1
    assert await retry_after(bot, 2001, "someone else") == 1  # the bot is closed, not one chat
    assert fake.refused_by == ["overall", "closed overall"]

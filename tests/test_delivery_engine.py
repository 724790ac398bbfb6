"""The delivery engine sending through the real python-telegram-bot Bot to our fake Bot API,
which keeps Telegram's limits (scaled up here so the tests stay fast) and answers 429 / 403."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bots.telegram.transport import TelegramTransport
from core.messages.types import Reply
from core.db.engine import Database
from core.db.models import Delivery
from core.db.types import utcnow
from core.delivery import claim
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import Limits
from core.delivery.renderers import Renderer, Renderers
from core.i18n import current_language
from tests.delivery_helpers import add_members, enqueue, identity, row, rows_by_key, statuses, telegram_bot, texts
from tests.fakes.telegram_api import FakeBotAPI, TelegramLimits

SCALE = 10.0  # the fake's limits and ours, ten times Telegram's


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        fake.enforce_limits(TelegramLimits(scale=SCALE))
        yield fake


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def done(db: Database) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return all(s in claim.FINAL for s in (await statuses(db)).values())
    return check


async def run_engine(db: Database, api: FakeBotAPI, until_done: bool = True, **kwargs: object) -> DeliveryEngine:
    async with telegram_bot(api.base_url, api.token) as bot:
        engine = DeliveryEngine(db, [TelegramTransport(bot)], poll_interval=0.05, limits=Limits(scale=SCALE),
                                jobs=[], **kwargs)
        await engine.start()
        try:
            if until_done:
                await until(done(db))
        finally:
            await engine.stop()
    return engine


async def test_every_row_goes_out_once_within_telegram_limits(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 250)
    group = [{"key": f"group:{i}", "kind": "announcement", "platform": "telegram", "target": "-100555",
              "to_chat": True, "payload": row(people[0], f"group {i}")["payload"]} for i in range(5)]
    twice = [row(people[1], f"again {i}") for i in range(3)]  # three pushes to one person
    await enqueue(db, [row(p, f"hello {p.user_id}") for p in people] + group + twice)
    started = time.monotonic()
    await run_engine(db, api)
    elapsed = time.monotonic() - started
    sent = texts(api.messages())
    assert sorted(sent) == sorted([f"hello {p.user_id}" for p in people] + [f"group {i}" for i in range(5)]
                                  + [f"again {i}" for i in range(3)])
    assert api.too_many == [], api.refused_by  # our pacing kept within the fake's limits
    assert elapsed >= 257 / (30 * SCALE) * 0.9  # and no faster than the overall rate
    to_one = [c for c in api.messages() if str(c.params["chat_id"]) == people[1].user_id]
    assert len(to_one) == 4  # the hello and the three others


async def test_one_chat_is_paced_at_one_message_per_interval(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 1)
    await enqueue(db, [row(people[0], f"n{i}") for i in range(5)])
    stamps: list[float] = []
    original = api.api_sendMessage

    async def stamped(params, files):  # type: ignore[no-untyped-def]
        stamps.append(time.monotonic())
        return await original(params, files)

    api.api_sendMessage = stamped  # type: ignore[method-assign]
    await run_engine(db, api)
    # the span of the five arrivals, not each gap: one late arrival shortens a gap by network
    # jitter but cannot shorten the span by more than that one delay
    assert len(stamps) == 5 and stamps[-1] - stamps[0] >= 4 * (1.0 / SCALE) * 0.9


async def test_retry_after_is_honoured_and_the_row_sent_once(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 20)
    await enqueue(db, [row(p, f"m {p.user_id}") for p in people])
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await run_engine(db, api)
    [refused] = [c for c in api.calls if c.method == "sendMessage" and c.result is None]
    after = [c for c in api.calls if c.method == "sendMessage"][1:]
    assert sorted(texts(api.messages())) == sorted(f"m {p.user_id}" for p in people)
    assert after and all(c.result is not None for c in after)
    # nothing went out during the pause: the second call came at least retry_after later
    stamps = [c for c in api.calls if c.method == "sendMessage"]
    assert stamps[0] is refused
    states = await rows_by_key(db)
    assert all(d.status == "sent" and d.attempts == 0 for d in states.values())


async def test_retry_after_pauses_the_platform(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 40)
    await enqueue(db, [row(p, f"p {p.user_id}") for p in people])
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await run_engine(db, api)
    calls = [c for c in api.calls if c.method == "sendMessage"]
    refused = calls[0]
    assert refused.result is None and len(api.messages()) == 40
    # requests already on their way when the 429 was answered still arrive; then nothing
    # until retry_after has passed, then the rest
    assert not [c for c in calls if refused.at + 0.5 < c.at < refused.at + 0.95]
    assert len([c for c in calls if c.at >= refused.at + 0.95]) >= 30


async def test_blocked_user_is_unreachable_and_gets_nothing_more(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 5)
    blocked = people[2]
    api.block(blocked.user_id)
    await enqueue(db, [row(p, f"first {p.user_id}") for p in people])
    await run_engine(db, api)
    assert (await identity(db, blocked.user_id)).unreachable_since is not None
    later = [row(p, f"second {p.user_id}") for p in people]
    await enqueue(db, later)
    await run_engine(db, api)
    attempts = [c for c in api.calls if c.method == "sendMessage" and str(c.params["chat_id"]) == blocked.user_id]
    assert len(attempts) == 1  # the first try only
    states = await statuses(db)
    assert states[row(blocked, f"first {blocked.user_id}")["key"]] == "unreachable"
    assert states[row(blocked, f"second {blocked.user_id}")["key"]] == "unreachable"
    assert len(api.messages()) == 8


async def test_transient_errors_are_retried_permanent_ones_are_not(db: Database, api: FakeBotAPI,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claim, "BACKOFF_BASE", 0.05)
    people = await add_members(db, 3)
    await enqueue(db, [row(p, f"t {p.user_id}") for p in people])
    api.fail("sendMessage", 502, "Bad Gateway", chat_id=people[0].user_id, times=2)
    api.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=people[1].user_id, times=5)
    await run_engine(db, api)
    stored = {d.target: d for d in (await rows_by_key(db)).values()}
    assert stored[people[0].user_id].status == "sent" and stored[people[0].user_id].attempts == 2
    assert stored[people[1].user_id].status == "failed"
    assert "chat not found" in stored[people[1].user_id].last_error.lower()
    assert stored[people[2].user_id].status == "sent"
    assert len([c for c in api.calls if str(c.params.get("chat_id")) == people[1].user_id]) == 1


async def _greeting(session: object, delivery: Delivery) -> Reply | None:
    if delivery.payload.get("gone"):
        return None
    return Reply(text=f"greeting in {current_language()}", language=current_language())


GREETING = Renderers([Renderer("test.greeting", _greeting)])  # type: ignore[arg-type]


async def test_render_at_send_time_in_the_recipient_language_expire_and_skip(db: Database, api: FakeBotAPI) -> None:
    french = await add_members(db, 1, language="fr")
    arabic = await add_members(db, 2, language="ar")
    past = utcnow() - timedelta(minutes=1)
    await enqueue(db, [
        {**row(french[0], "r"), "payload": {"render": "test.greeting"}},
        {**row(arabic[0], "r"), "payload": {"render": "test.greeting"}},
        {**row(arabic[1], "r"), "payload": {"render": "test.greeting", "gone": True}},
        {**row(arabic[1], "late"), "expires_at": past},
    ])
    await run_engine(db, api, renderers=GREETING)
    assert sorted(texts(api.messages())) == ["greeting in ar", "greeting in fr"]
    assert sorted((await statuses(db)).values()) == ["expired", "sent", "sent", "skipped"]


async def test_stop_gives_back_claimed_rows_that_were_not_sent(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 200)
    await enqueue(db, [row(p, f"s {p.user_id}") for p in people])
    async with telegram_bot(api.base_url, api.token) as bot:
        engine = DeliveryEngine(db, [TelegramTransport(bot)], poll_interval=0.05, limits=Limits(scale=2), jobs=[])
        await engine.start()
        await api.wait_for(lambda: len(api.messages()) >= 20)
        await engine.stop()
    states = await statuses(db)
    sent = len(api.messages())
    assert list(states.values()).count("sent") == sent
    assert list(states.values()).count("pending") == 200 - sent  # nothing left claimed
    async with db.sessions() as session:
        assert not (await session.scalars(select(Delivery).where(Delivery.claimed_by.is_not(None),
                                                                 Delivery.status == "pending"))).all()
    await run_engine(db, api)  # the next process sends the rest, once
    assert sorted(texts(api.messages())) == sorted(f"s {p.user_id}" for p in people)


async def test_periodic_jobs_run_on_the_one_scheduler_and_wake_the_dispatcher(db: Database, api: FakeBotAPI) -> None:
    from core.jobs import PeriodicJob

    people = await add_members(db, 3)
    runs: list[float] = []

    async def plan(database: Database) -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            await enqueue(database, [row(p, f"planned {p.user_id}") for p in people])

    async with telegram_bot(api.base_url, api.token) as bot:
        engine = DeliveryEngine(db, [TelegramTransport(bot)], poll_interval=5.0, limits=Limits(scale=SCALE),
                                jobs=[PeriodicJob("test.plan", 0.2, plan)])
        await engine.start()
        try:
            await api.wait_for(lambda: len(api.messages()) == 3, timeout=3)  # well before the 5 s poll
            await asyncio.sleep(0.5)
        finally:
            await engine.stop()
    assert len(runs) >= 3


async def test_a_long_push_is_split_and_a_429_in_the_middle_repeats_nothing(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 1)
    long_text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))  # ~10,000 characters: three messages
    await enqueue(db, [{**row(people[0], "long"), "payload": {"reply": {"text": long_text}}}])
    original = api.api_sendMessage
    seen = 0

    async def second_refused(params, files):  # type: ignore[no-untyped-def]
        nonlocal seen
        seen += 1
        if seen == 2:
            api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        return await original(params, files)

    api.api_sendMessage = second_refused  # type: ignore[method-assign]
    await run_engine(db, api)
    parts = texts(api.messages())
    refused = [c for c in api.calls if c.method == "sendMessage" and c.result is None]
    assert len(refused) == 1 and refused[0].params["text"] == parts[2]  # the third part, sent after the wait
    assert len(parts) == 3 and len(set(parts)) == 3
    assert "\n".join(parts).count("line 0 ") == 1 and "line 99 " in parts[-1]
    assert set((await statuses(db)).values()) == {"sent"}

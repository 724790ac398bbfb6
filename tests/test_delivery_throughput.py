"""What lets one process send a paid broadcast: batched marks, one rendering per language,
the lease checked before a row's first send, and paid broadcast as configuration.

Through the real python-telegram-bot Bot and our fake Bot API, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import event

from bots.telegram.transport import TelegramTransport
from core.config import Settings, SettingsError
from core.db.engine import Database
from core.db.models import Delivery
from core.db.types import utcnow
from core.delivery import claim
from core.delivery.dispatcher import Dispatcher, concurrent_sends
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import PAID_BROADCAST, Limits, PlatformLimits
from core.delivery.renderers import Renderer, Renderers
from core.i18n import _, current_language
from core.messages.types import Reply
from tests.delivery_helpers import add_members, enqueue, row, rows_by_key, statuses, telegram_bot
from tests.fakes.telegram_api import FakeBotAPI

UNLIMITED = {"telegram": PlatformLimits()}  # no overall limit: the sends finish together


async def settle(*dispatchers: Dispatcher) -> None:
    """Until every row claimed by these dispatchers is finished (sent, marked, or let go)."""
    while any(d.flights for d in dispatchers):
        await asyncio.gather(*[f.task for d in dispatchers for f in list(d.flights.values()) if f.task],
                             return_exceptions=True)


async def send_all(db: Database, api: FakeBotAPI, renderers: Renderers | None = None, **options: object) -> Dispatcher:
    async with telegram_bot(api.base_url, api.token) as bot:
        dispatcher = Dispatcher(db, [TelegramTransport(bot)], limits=Limits(overrides=UNLIMITED),
                                renderers=renderers, **options)  # type: ignore[arg-type]
        while await dispatcher.dispatch():
            await settle(dispatcher)
        await settle(dispatcher)
    return dispatcher


def count_updates(db: Database) -> Callable[[], int]:
    """How many UPDATE statements of the outbox ran from now on (the real statements, as sent)."""
    seen: list[str] = []

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE DELIVERIES"):
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    return lambda: len(seen)


# ---------------------------------------------------------------- batched marks

async def test_the_sent_marks_of_a_batch_are_all_written_in_few_statements(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 60)
    await enqueue(db, [row(p, f"hello {p.user_id}") for p in people])
    updates = count_updates(db)
    await send_all(db, api)
    assert sorted(c.params["text"] for c in api.messages()) == sorted(f"hello {p.user_id}" for p in people)
    assert set((await statuses(db)).values()) == {"sent"}
    # one claim, and the marks of sends finishing together go in one statement (not one per row)
    assert updates() <= 1 + len(people) // 4


async def test_a_failure_in_the_middle_of_a_batch_loses_and_repeats_nothing(db: Database, api: FakeBotAPI) -> None:
    people = await add_members(db, 30)
    await enqueue(db, [row(p, f"news {p.user_id}") for p in people])
    api.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=people[10].user_id)
    api.block(people[20].user_id)
    await send_all(db, api)
    by_chat: dict[str, int] = {}
    for call in api.messages():
        by_chat[str(call.params["chat_id"])] = by_chat.get(str(call.params["chat_id"]), 0) + 1
    assert by_chat == {p.user_id: 1 for i, p in enumerate(people) if i not in (10, 20)}
    rows = {r.target: r for r in (await rows_by_key(db)).values()}
    assert rows[people[10].user_id].status == "failed" and rows[people[20].user_id].status == "unreachable"
    assert {r.status for t, r in rows.items() if t not in (people[10].user_id, people[20].user_id)} == {"sent"}


# ---------------------------------------------------------------- the lease before the first send

async def hold_then_claim_elsewhere(db: Database, api: FakeBotAPI, other_claims: bool) -> None:
    people = await add_members(db, 1)
    await enqueue(db, [row(people[0], "only once")])
    async with telegram_bot(api.base_url, api.token) as bot:
        first = Dispatcher(db, [TelegramTransport(bot)], worker_id="first", limits=Limits(overrides=UNLIMITED),
                           lease=0.4)
        first.limits["telegram"].pause(1.2)  # its slot comes after its lease has run out (no renewal ran)
        assert await first.dispatch() == 1
        await asyncio.sleep(0.6)
        second = Dispatcher(db, [TelegramTransport(bot)], worker_id="second", limits=Limits(overrides=UNLIMITED))
        if other_claims:
            assert await second.dispatch() == 1  # the lease ran out: the row is free to take
        await settle(first, second)


async def test_a_row_taken_over_while_it_waited_is_not_sent_by_its_old_holder(db: Database, api: FakeBotAPI) -> None:
    await hold_then_claim_elsewhere(db, api, other_claims=True)
    assert [c.params["text"] for c in api.messages()] == ["only once"]
    [stored] = (await rows_by_key(db)).values()
    assert stored.status == "sent" and stored.claimed_by == "second"


async def test_a_row_whose_lease_ran_out_unclaimed_is_still_sent_by_its_holder(db: Database, api: FakeBotAPI) -> None:
    await hold_then_claim_elsewhere(db, api, other_claims=False)
    assert [c.params["text"] for c in api.messages()] == ["only once"]
    [stored] = (await rows_by_key(db)).values()
    assert stored.status == "sent" and stored.claimed_by == "first"


# ---------------------------------------------------------------- one rendering per language

def counting(shared: bool) -> tuple[Renderer, list[int]]:
    """A renderer as a feature writes one: its text in the row's language (shared) or naming the
    person (personal, never shared); ``made`` counts the renderings."""
    made: list[int] = []

    async def render(session: object, delivery: Delivery) -> Reply:
        made.append(delivery.id)
        await asyncio.sleep(0.01)  # rows arriving meanwhile wait for this rendering
        language = delivery.payload["reader"]
        text = {"fr": "Bonjour à tous", "en": "Hello everyone"}[language]
        return Reply(text=text if shared else f"{text}, {delivery.target}", language=language)

    key = (lambda d: d.payload["reader"]) if shared else None
    return Renderer("bulletin", render, member_language=False, shared=key), made


def bulletin(person: object, reader: str) -> dict[str, object]:
    return {**row(person, f"bulletin {reader}"), "payload": {"render": "bulletin", "reader": reader}}


@pytest.mark.parametrize("shared", [True, False])
async def test_a_shared_reply_is_rendered_once_per_language(db: Database, api: FakeBotAPI, shared: bool) -> None:
    people = await add_members(db, 12)
    readers = ["fr" if i % 3 == 0 else "en" for i in range(len(people))]
    await enqueue(db, [bulletin(p, reader) for p, reader in zip(people, readers)])
    renderer, made = counting(shared)
    await send_all(db, api, Renderers([renderer]))
    got = {str(c.params["chat_id"]): c.params["text"] for c in api.messages()}
    expected = {"fr": "Bonjour à tous", "en": "Hello everyone"}
    assert got == {p.user_id: expected[r] if shared else f"{expected[r]}, {p.user_id}"
                   for p, r in zip(people, readers)}
    assert len(made) == (2 if shared else len(people))


async def test_a_shared_rendering_follows_the_locale_it_was_made_in(db: Database, api: FakeBotAPI) -> None:
    """Rows rendered in the member's language share a rendering per language, never across them."""
    people = await add_members(db, 3, language="fr") + await add_members(db, 3, language="en")
    await enqueue(db, [{**row(p, f"greeting {p.user_id}"), "payload": {"render": "greeting"}} for p in people])
    made: list[str] = []

    async def render(session: object, delivery: Delivery) -> Reply:
        made.append(current_language())
        return Reply(text=_("Cancel"), language=current_language())

    renderers = Renderers([Renderer("greeting", render, shared=lambda d: "greeting")])
    await send_all(db, api, renderers)
    assert sorted(made) == ["en", "fr"]
    got = {str(c.params["chat_id"]): c.params["text"] for c in api.messages()}
    french = {p.user_id for p in people[:3]}
    assert {got[c] for c in french} != {got[c] for c in got if c not in french}
    assert len(got) == len(people)


# ---------------------------------------------------------------- paid broadcast as configuration

def test_paid_broadcast_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALUMNI_TELEGRAM_PAID_BROADCAST", "true")
    assert Settings.from_env().telegram_paid_broadcast is True
    monkeypatch.setenv("ALUMNI_TELEGRAM_PAID_BROADCAST", "0")
    assert Settings.from_env().telegram_paid_broadcast is False
    monkeypatch.setenv("ALUMNI_TELEGRAM_PAID_BROADCAST", "maybe")
    with pytest.raises(SettingsError, match="ALUMNI_TELEGRAM_PAID_BROADCAST"):
        Settings.from_env()
    monkeypatch.delenv("ALUMNI_TELEGRAM_PAID_BROADCAST")
    assert Settings.from_env().telegram_paid_broadcast is False


@pytest.mark.parametrize("paid", [True, False])
async def test_paid_broadcast_raises_the_overall_limit_and_marks_each_push(db: Database, api: FakeBotAPI,
                                                                           paid: bool) -> None:
    people = await add_members(db, 3)
    await enqueue(db, [row(p, "paid?") for p in people])
    async with telegram_bot(api.base_url, api.token) as bot:
        engine = DeliveryEngine.from_settings(db, [TelegramTransport(bot, paid_broadcast=paid)],
                                              Settings(telegram_paid_broadcast=paid))
        limits = engine.dispatcher.limits.limits_for("telegram")
        assert limits.per_second == (1000.0 if paid else 30.0)
        assert (limits.chat_interval, limits.group_per_minute) == (1.0, 20)  # per chat: unchanged
        while await engine.dispatcher.dispatch():
            await settle(engine.dispatcher)
        await settle(engine.dispatcher)
    assert len(api.messages()) == 3
    assert {str(c.params.get("allow_paid_broadcast")).lower() for c in api.messages()} == {"true" if paid else "none"}
    assert {c.params.get("link_preview_options", {}).get("is_disabled") for c in api.messages()} == {True}


async def test_renewals_name_the_rows_still_held(db: Database) -> None:
    people = await add_members(db, 3)
    await enqueue(db, [row(p, "held") for p in people])
    async with db.transaction() as session:
        rows = await claim.claim(session, [claim.Scope("telegram")], "w1", limit=3, lease=60)
    ids = sorted(r.id for r in rows)
    async with db.transaction() as session:
        await claim.mark_sent(session, ids[:1], "w1")
    async with db.transaction() as session:
        assert sorted(await claim.renew_held(session, ids, "w1", utcnow())) == ids[1:]
        assert await claim.renew_held(session, ids, "w2", utcnow()) == []


def test_sends_in_flight_follow_the_rate() -> None:
    """Enough sends on the wire to keep the rate at a 0.1 s round trip: 1,000 a second needs 100."""
    assert concurrent_sends(Limits(), "telegram") == 8
    assert concurrent_sends(Limits(overrides=PAID_BROADCAST), "telegram") == 100
    assert concurrent_sends(Limits(overrides=UNLIMITED), "telegram") == 8


async def test_a_failed_shared_rendering_is_not_kept(db: Database, api: FakeBotAPI) -> None:
    """The rows waiting for a rendering that failed fail with it, as each would have rendering alone
    (an announcement's verdict was already shared so); the failure is not kept: a later row renders again."""
    people = await add_members(db, 4)
    await enqueue(db, [bulletin(p, "en") for p in people])
    attempts: list[int] = []

    async def render(session: object, delivery: Delivery) -> Reply:
        attempts.append(delivery.id)
        if len(attempts) == 1:
            await asyncio.sleep(0.01)  # the other rows arrive and wait for this one
            raise RuntimeError("the database went away")
        return Reply(text="Hello everyone")

    renderers = Renderers([Renderer("bulletin", render, member_language=False, shared=lambda d: "all")])
    await send_all(db, api, renderers)
    rows = list((await rows_by_key(db)).values())
    assert {r.status for r in rows} == {"failed"}  # the unexpected error fails the rows waiting for it
    assert len(attempts) == 1 and not api.messages()
    await enqueue(db, [bulletin(people[0], "en") | {"key": "again"}])
    await send_all(db, api, renderers)
    assert len(attempts) == 2 and [c.params["text"] for c in api.messages()] == ["Hello everyone"]

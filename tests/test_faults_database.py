"""The database briefly unavailable: a localized "try again" answer, nothing half-written, reconnection.

PostgreSQL is shared by every test run, so it is never stopped: the app reaches it through a
TCP proxy of ours (``tests/fakes/tcp_proxy.py``), which refuses connections (the server is
down) or cuts every open one (the server restarted: pooled connections are dead) and then
comes back. Real commands are driven before, during and after, through the command layer
(``tests/chat.py``) and through the real Telegram bot against the fake Bot API; the delivery
engine is cut off while sends are in flight. On SQLite: a locked and an unreadable database.
"""
from __future__ import annotations

import asyncio
import html
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from bots.telegram import runner as telegram_runner
from core.app import App, open_app
from core.config import Settings
from core.db.models import Delivery, Identity, Member
from core.delivery import claim
from core.delivery.engine import DeliveryEngine
from core.delivery.limits import Limits
from bots.telegram.transport import TelegramTransport
from core.i18n import _, use_language
from tests.chat import Person
from tests.delivery_helpers import add_members, enqueue, row, telegram_bot
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeBotAPI

OUTAGE = 2.0  # seconds the database stays away under in-flight pushes (a restart)
UNAVAILABLE = "I can't reach my database right now. Please try again in a moment."


def unavailable(language: str) -> str:
    with use_language(language):
        return _(UNAVAILABLE)


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A fresh PostgreSQL database, reached through our proxy: (proxy, the app's URL)."""
    url = make_url(postgres_url)
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as tcp:
        yield tcp, tcp.url(url.render_as_string(hide_password=False))


@pytest.fixture
async def app(proxy: tuple[TcpProxy, str]) -> AsyncIterator[App]:
    # the real option, shortened for the test: a server that never answers is given 1 s, not 10
    url = make_url(proxy[1]).update_query_dict({"connect_timeout": "1"}).render_as_string(hide_password=False)
    opened = await open_app(Settings(database_url=url), migrate=True)
    try:
        yield opened
    finally:
        await opened.close()


async def count(app: App, model: Any) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def wait_until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_commands_answer_try_again_while_the_database_is_away_and_recover(
    proxy: tuple[TcpProxy, str], app: App
) -> None:
    tcp, _url = proxy
    amel = Person(app.commands, user_id="501", platform="telegram", locale="fr")
    await amel.send("/start")
    before = await amel.send("/help")
    assert UNAVAILABLE not in amel.text()

    await tcp.refuse()  # PostgreSQL down: every connection refused
    assert (await amel.send("/help"))[0].text == unavailable("fr")
    assert unavailable("fr") != UNAVAILABLE  # in the person's language, through the catalogs
    sofia = Person(app.commands, user_id="502", platform="telegram", locale="es")
    assert (await sofia.send("/start"))[0].text == unavailable("es")  # a stranger: the language of their client

    await tcp.restore()  # back: the very next command works, no restart of the bot
    assert [r.text for r in await amel.send("/help")] == [r.text for r in before]

    # a server that accepts but never answers: the connection attempt gives up (connect_timeout)
    await tcp.blackhole()
    started = asyncio.get_running_loop().time()
    assert (await amel.send("/help"))[0].text == unavailable("fr")
    assert asyncio.get_running_loop().time() - started < 5
    await tcp.restore()
    assert [r.text for r in await amel.send("/help")] == [r.text for r in before]

    # a restart of PostgreSQL: every pooled connection is dead; pre-ping replaces them unseen
    cuts = tcp.cuts
    await tcp.cut()
    assert tcp.cuts > cuts
    assert [r.text for r in await amel.send("/help")] == [r.text for r in before]
    await sofia.send("/start")
    assert UNAVAILABLE not in sofia.text() and unavailable("es") not in sofia.text()
    assert app.db.engine.pool._pre_ping  # type: ignore[attr-defined]


async def test_a_command_cut_off_midway_writes_nothing(proxy: tuple[TcpProxy, str], app: App) -> None:
    """First contact writes a member, then an identity, in one transaction: cut between the two."""
    tcp, _url = proxy
    armed = {"on": True}

    def cut_before_identity(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed["on"] and statement.lstrip().upper().startswith("INSERT INTO IDENTITIES"):
            armed["on"] = False
            tcp.cut_now()  # the member's INSERT went through; the connection dies here

    members, identities = await count(app, Member), await count(app, Identity)
    event.listen(app.db.engine.sync_engine, "before_cursor_execute", cut_before_identity)
    try:
        nadia = Person(app.commands, user_id="601", platform="telegram", locale="de")
        assert (await nadia.send("/start"))[0].text == unavailable("de")
        assert not armed["on"]
        assert (await count(app, Member), await count(app, Identity)) == (members, identities)  # nothing half-written
        await nadia.send("/start")  # again, whole this time
        assert (await count(app, Member), await count(app, Identity)) == (members + 1, identities + 1)
    finally:
        event.remove(app.db.engine.sync_engine, "before_cursor_execute", cut_before_identity)


async def test_the_telegram_bot_keeps_running_through_a_database_outage(proxy: tuple[TcpProxy, str]) -> None:
    tcp, url = proxy
    async with FakeBotAPI() as api:
        settings = Settings(database_url=url, telegram_bot_token=api.token, telegram_api_base_url=api.base_url,
                            delivery_lease_seconds=5)
        opened = await open_app(settings, migrate=True)  # the schema, once (like `alumni db upgrade`)
        await opened.close()
        stop = asyncio.Event()
        running = asyncio.create_task(telegram_runner.run(settings, stop_event=stop))
        user = api.user(701, "Amel", language_code="fr")

        async def answer(text: str) -> str:
            count = len(api.sent(701))
            api.push_message(text, user=user)
            await api.wait_for(lambda: len(api.sent(701)) > count, timeout=15)
            return html.unescape(str(api.sent(701)[-1].params["text"]))

        try:
            normal = await answer("/help")
            await tcp.refuse()
            assert await answer("/help") == unavailable("fr")
            assert await answer("/channels") == unavailable("fr")
            await tcp.restore()
            assert await answer("/help") == normal
            await tcp.cut()
            assert await answer("/help") == normal
            assert not running.done()
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 30) == 0


async def test_a_database_cut_while_pushes_are_in_flight_loses_and_doubles_nothing(
    proxy: tuple[TcpProxy, str], app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claim, "BACKOFF_BASE", 0.05)
    tcp, _url = proxy
    people = await add_members(app.db, 40)
    await enqueue(app.db, [row(person, f"push-{n}") for n, person in enumerate(people)])
    async with FakeBotAPI() as api, telegram_bot(api.base_url, api.token) as bot:
        api.delay = 0.3  # every send takes a while: many are on the wire when the database goes
        engine = DeliveryEngine(app.db, [TelegramTransport(bot)], poll_interval=0.05, jobs=[], lease=4,
                                limits=Limits(scale=50))
        await engine.start()
        loop = asyncio.get_running_loop()
        try:
            await api.wait_for(lambda: len(api.messages()) >= 5, timeout=15)
            await tcp.refuse()
            down_at = loop.time()
            # every claimed push goes out while the database is away: none of them can be marked
            await api.wait_for(lambda: len(api.messages()) == 40, timeout=15)
            await asyncio.sleep(max(0.0, down_at + OUTAGE - loop.time()))  # the outage lasts OUTAGE seconds
            await tcp.restore()

            async def all_sent() -> bool:
                async with app.db.sessions() as session:
                    statuses = (await session.scalars(select(Delivery.status))).all()
                return set(statuses) == {"sent"}

            await wait_until(all_sent, timeout=30, what="every push sent")
        finally:
            await engine.stop(timeout=5)
        texts = [str(c.params.get("text")) for c in api.messages()]
    assert sorted(texts) == sorted(f"push-{n}" for n in range(40))  # each exactly once


# ---------------------------------------------------------------- SQLite


@pytest.fixture
async def sqlite_app(tmp_path: Path) -> AsyncIterator[App]:
    opened = await open_app(Settings(database_url=f"sqlite:///{tmp_path / 'alumni.db'}"))

    def short_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=200")  # the app waits 5 s for a lock; the test, less
        cursor.close()

    event.listen(opened.db.engine.sync_engine, "connect", short_busy_wait)
    await opened.db.engine.dispose()
    try:
        yield opened
    finally:
        await opened.close()


async def test_sqlite_locked_or_unreadable_answers_try_again(sqlite_app: App, tmp_path: Path) -> None:
    path = tmp_path / "alumni.db"
    amel = Person(sqlite_app.commands, user_id="801", platform="slack", locale="pt-BR")
    await amel.send("/start")
    normal = await amel.send("/help")

    locker = sqlite3.connect(path)  # another process holds the write lock (a long import, a backup)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        joe = Person(sqlite_app.commands, user_id="802", platform="slack", locale="pt-BR")
        assert (await joe.send("/start"))[0].text == unavailable("pt")
    finally:
        locker.rollback()
        locker.close()
    assert [r.text for r in await amel.send("/help")] == [r.text for r in normal]

    await sqlite_app.db.engine.dispose()  # no connection open when the file goes
    aside = tmp_path / "aside.db"
    os.replace(path, aside)
    path.mkdir()  # a volume unmounted, a path gone wrong: nothing SQLite can open
    try:
        assert (await amel.send("/help"))[0].text == unavailable("pt")
    finally:
        shutil.rmtree(path)
        os.replace(aside, path)
    assert [r.text for r in await amel.send("/help")] == [r.text for r in normal]


def test_postgresql_engines_test_pooled_connections_and_bound_connection_attempts() -> None:
    from core.db.engine import CONNECT_TIMEOUT, reconnecting

    options = reconnecting(make_url("postgresql+psycopg://a@h/db"), {})
    assert options["pool_pre_ping"] and options["connect_args"]["connect_timeout"] == CONNECT_TIMEOUT
    assert "connect_args" not in reconnecting(make_url("postgresql+psycopg://a@h/db?connect_timeout=2"), {})

"""Under load no request starves the others (issue 12).

A search must never hold its pooled connection while waiting for a second one (the index
revision check used to), a pool that is exhausted answers the localized "try again shortly",
and the search index is rebuilt off the event loop and swapped in whole.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, func, select

from bots.telegram import runner
from bots.telegram.application import build_application
from core.app import App, open_app
from core.audit import Actor
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Request, Sender
from core.config import Settings
from core.db.engine import Database
from core.db.models import Identity, Member
from core.directory.importer import import_rows
from core.directory.search import DirectorySearch
from core.members import find_identity, get_or_create_identity
from core.warmup import warm_up
from tests.fakes.telegram_api import FakeBotAPI

PARIS = [(n, {"name": f"Amicale Paris {n}", "country": "FR", "city": "Paris"}) for n in range(1, 8)]
SEARCHERS = 20


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await open_app(Settings(database_url=database_url), migrate=True)  # the default pool
    await import_rows(app.db, PARIS, actor=Actor.command_line())
    try:
        yield app
    finally:
        await app.close()


async def test_twenty_simultaneous_searches_and_an_unrelated_help_are_all_answered(api: FakeBotAPI, core: App) -> None:
    application = build_application(api.token, core.commands, base_url=api.base_url)
    searchers = [api.user(5000 + n, f"M{n}", "en") for n in range(SEARCHERS)]
    bystander = api.user(9999, "Bystander", "en")
    for user in searchers:
        api.push_message("/associations paris", user=user)
    api.push_message("/help", user=bystander)
    chats = {str(user["id"]) for user in [*searchers, bystander]}
    await runner.start(application, poll_timeout=1)
    try:
        # The pool waits 30 s before giving up: well before that, every chat has its answer.
        await api.wait_for(lambda: chats <= {str(call.params["chat_id"]) for call in api.sent()}, timeout=20)
    finally:
        await runner.stop(application)
    for user in searchers:
        assert any("Amicale Paris" in call.params["text"] for call in api.sent(user["id"])), api.sent(user["id"])
    assert any("/associations" in call.params["text"] for call in api.sent(bystander["id"]))


def request(user_id: str, command: str, locale: str = "fr") -> Request:
    return Request(
        sender=Sender(platform="console", user_id=user_id, display_name="Amel", locale=locale),
        chat=Chat(chat_id=user_id, kind=ChatKind.PRIVATE),
        command=command,
    )


async def test_an_exhausted_pool_answers_try_again_shortly_in_the_members_language(db: Database) -> None:
    tiny = Database(db.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    service = CommandService(tiny)
    try:
        async with tiny.engine.connect() as held:  # the only connection, taken by someone else
            await held.exec_driver_sql("SELECT 1")
            (reply,) = await service.handle(request("4242", "help"))
        assert reply.text == "Beaucoup de personnes m’écrivent en ce moment. Veuillez réessayer dans quelques instants."
        assert reply.language == "fr"
        # once the connection is back, the same request is served
        assert "/associations" in (await service.handle(request("4242", "help")))[0].text
    finally:
        await tiny.dispose()


def batch(word: str, count: int) -> list[tuple[int, dict[str, str]]]:
    return [(n, {"name": f"{word} Alumni {n}", "country": "FR", "city": "Lyon"}) for n in range(1, count + 1)]


async def test_the_index_is_rebuilt_off_the_loop_and_swapped_in_whole(db: Database) -> None:
    search = DirectorySearch(db)
    await import_rows(db, batch("Ancienne", 1500), actor=Actor.command_line())
    assert (await search.search("alumni")).total == 1500
    await import_rows(db, batch("Nouvelle", 1500), actor=Actor.command_line())  # 3,000 now: the next search rebuilds
    async with db.transaction() as session:
        await session.connection()  # a command's search, in its own transaction
        rebuild = asyncio.create_task(search.search("alumni", session=session))
        await asyncio.sleep(0)  # the rebuild starts: it now holds the index's lock
        ticks, answered = 0, []
        while not rebuild.done():
            ticks += 1
            total = (await search.search("alumni")).total  # never waits for the rebuild
            if not rebuild.done():
                answered.append(total)
            await asyncio.sleep(0.01)  # a search now and then, not a busy loop that starves the rebuild
        assert (await rebuild).total == 3000
    assert ticks > 1 and answered, "searches waited for the rebuild instead of being answered meanwhile"
    # the old index, whole, until the new one is complete and swapped in: never a part of either
    assert answered[0] == 1500 and set(answered) <= {1500, 3000} and answered == sorted(answered)
    assert (await search.search("alumni")).total == 3000


async def test_a_search_without_a_session_never_takes_the_lock_before_its_connection(db: Database) -> None:
    """Discord's autocompletion searches without a session of its own while commands search with theirs."""
    await import_rows(db, PARIS, actor=Actor.command_line())
    tiny = Database(db.url, pool_size=1, max_overflow=0, pool_timeout=3)
    search = DirectorySearch(tiny)
    try:
        async with tiny.transaction() as session:
            await session.connection()  # a command holds the only connection...
            completing = asyncio.create_task(search.search("paris"))  # ...when an autocompletion comes
            for _ in range(5):
                await asyncio.sleep(0)
            found = await search.search("paris", session=session)  # the command's own search
        assert found.total == len(PARIS)
        assert (await completing).total == len(PARIS)  # served once the command gave its connection back
    finally:
        await tiny.dispose()


async def test_a_first_contact_writes_the_identity_once_with_its_name_and_locale(db: Database) -> None:
    """A new member's identity is inserted with the platform's name and locale: no UPDATE right after."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(" ".join(statement.split()[:3]))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.transaction() as session:
            identity, _member, created = await get_or_create_identity(session, "telegram", "42", "Ana Li", "pt-BR")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert created and (identity.display_name, identity.platform_locale) == ("Ana Li", "pt-BR")
    assert not [s for s in statements if s.startswith("UPDATE")], statements
    async with db.transaction() as session:
        stored = await find_identity(session, "telegram", "42")
        assert stored is not None and (stored.display_name, stored.platform_locale) == ("Ana Li", "pt-BR")


async def test_after_the_warm_up_the_first_search_reads_no_association(core: App) -> None:
    """The index is built at start: the first search of a new member no longer builds it in its transaction."""
    await warm_up(core, freeze=False)  # freezing the test process's objects would keep them for the whole session
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(core.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        replies = await core.commands.handle(Request(sender=Sender(platform="telegram", user_id="77", locale="fr"),
                                                     chat=Chat(chat_id="77", kind=ChatKind.PRIVATE),
                                                     command="associations", args="paris"))
    finally:
        event.remove(core.db.engine.sync_engine, "before_cursor_execute", record)
    assert "Amicale Paris 1" in " ".join(card.title for reply in replies for card in reply.cards)
    assert not [s for s in statements if "FROM associations" in s], statements


async def test_a_first_contact_runs_its_command_without_the_write_lock(db: Database) -> None:
    """SQLite has one writer: a new member is written in a short transaction of its own, so the command
    that follows (here a read-only one) lets every other writer through, as a known member's does."""
    if db.backend != "sqlite":
        pytest.skip("the single write lock is SQLite's")
    locked: list[bool] = []

    def try_to_write(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "FROM channels" in statement:  # the command's own read
            other = sqlite3.connect(db.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                locked.append(False)
            except sqlite3.OperationalError:
                locked.append(True)
            finally:
                other.close()

    event.listen(db.engine.sync_engine, "before_cursor_execute", try_to_write)
    try:
        replies = await CommandService(db).handle(
            Request(sender=Sender(platform="telegram", user_id="55", display_name="Ana"), chat=Chat(chat_id="55"),
                    command="channels"))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", try_to_write)
    assert replies and locked == [False]


async def test_simultaneous_first_contacts_of_one_person_make_one_member(db: Database) -> None:
    """Two first messages of one person at once: both answered, one member, no member left without identity."""
    service = CommandService(db)
    request = Request(sender=Sender(platform="telegram", user_id="56", display_name="Bo"), chat=Chat(chat_id="56"),
                      command="help")
    answers = await asyncio.gather(*(service.handle(request) for _ in range(4)))
    assert all(answers)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Identity)) == 1
        assert await session.scalar(select(func.count()).select_from(Member)) == 1


async def test_a_first_contact_looks_its_identity_up_once_and_writes_it_once(db: Database) -> None:
    """A stranger's /help: one lookup (not found), member and identity inserted, no savepoint, no second lookup."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        replies = await CommandService(db).handle(
            Request(sender=Sender(platform="telegram", user_id="57", display_name="Cy"), chat=Chat(chat_id="57"),
                    command="help"))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert replies
    assert len([s for s in statements if s.startswith("SELECT") and "FROM identities" in s]) == 1, statements
    assert not [s for s in statements if "SAVEPOINT" in s or s.startswith("UPDATE")], statements
    async with db.transaction() as session:
        found = await find_identity(session, "telegram", "57")
        assert found is not None and found.display_name == "Cy"

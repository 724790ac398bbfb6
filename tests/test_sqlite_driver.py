"""The one-trip SQLite adapter keeps SQLite's transaction semantics while skipping needless trips."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.db.engine import Database, make_sync_engine
from core.db.models import Base, Member


@pytest.fixture
async def database(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    assert db.engine.dialect.driver == "alumni_aiosqlite"
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield db
    await db.dispose()


async def count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)))


async def test_commit_and_rollback_still_happen_after_writes(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Member(language="fr"))
    assert await count(database) == 1
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            session.add(Member(language="de"))
            await session.flush()
            raise RuntimeError("abandon")
    assert await count(database) == 1  # rolled back for real


async def test_a_failed_statement_rolls_back_the_whole_transaction(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(Member(language="es"))
            await session.flush()
            await session.execute(text("INSERT INTO members (id, language, created_at, updated_at) SELECT id, 'x', created_at, updated_at FROM members"))
    assert await count(database) == 0


async def test_savepoints_and_rows(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Member(language="pt"))
        try:
            async with session.begin_nested():
                session.add(Member(id=1, language="ar"))  # clashes with the first member's id
                await session.flush()
        except IntegrityError:
            pass
        rows = (await session.execute(select(Member.language))).all()
    assert [r.language for r in rows] == ["pt"] and await count(database) == 1
    async with database.transaction() as session:  # many rows come back whole
        session.add_all(Member(language="de") for _ in range(500))
    assert await count(database) == 501


async def test_a_released_savepoint_is_undone_when_the_transaction_fails(database: Database) -> None:
    # The first statement of the transaction is a SAVEPOINT: without a BEGIN before it, its RELEASE committed.
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            async with session.begin_nested():
                session.add(Member(language="fr"))
            async with session.begin_nested():
                session.add(Member(language="de"))
            raise RuntimeError("the command fails after its savepoints")
    assert await count(database) == 0


async def test_reads_before_a_savepoint_and_a_failed_savepoint(database: Database) -> None:
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 0
        try:
            async with session.begin_nested():
                session.add(Member(language="ar"))
                await session.flush()
                raise ValueError("this one is rolled back alone")
        except ValueError:
            pass
        async with session.begin_nested():
            session.add(Member(language="es"))
    async with database.transaction() as session:
        assert [m for m in await session.scalars(select(Member.language))] == ["es"]


async def test_a_writer_that_read_first_waits_for_the_other_writer(database: Database) -> None:
    """BEGIN IMMEDIATE, not a BEGIN before the reads: a snapshot taken by a read would be stale by the time
    the other writer commits, and SQLite fails such a write at once (SQLITE_BUSY_SNAPSHOT) instead of waiting."""

    async def second() -> None:
        async with database.transaction() as session:
            await session.scalar(select(func.count()).select_from(Member))
            async with session.begin_nested():
                session.add(Member(language="de"))

    async with database.transaction() as first:
        first.add(Member(language="fr"))
        await first.flush()  # holds the write lock
        task = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        assert not task.done()  # waiting (busy_timeout), not failed
    await task
    assert await count(database) == 2


async def test_a_read_for_update_holds_the_others_until_commit(database: Database) -> None:
    """Check-then-act (the last place of an event): FOR UPDATE locks on SQLite too."""
    locked = asyncio.Event()

    async def take_the_only_place(language: str) -> bool:
        async with database.transaction() as session:
            taken = list(await session.scalars(select(Member.id).with_for_update()))
            locked.set()
            await asyncio.sleep(0.1)
            if taken:
                return False
            session.add(Member(language=language))
            return True

    first = asyncio.create_task(take_the_only_place("fr"))
    await locked.wait()
    second = asyncio.create_task(take_the_only_place("de"))
    assert sorted(await asyncio.gather(first, second)) == [False, True]
    assert await count(database) == 1


def test_the_migration_engine_has_real_transactions_too(tmp_path: Path) -> None:
    """Alembic runs each migration in a transaction; with sqlite3's implicit BEGIN, its DDL committed at once."""
    engine = make_sync_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    try:
        with pytest.raises(RuntimeError), engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
            raise RuntimeError("the migration fails after its first step")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'half_done'").all() == []
    finally:
        engine.dispose()


async def test_reads_alone_open_no_transaction(database: Database) -> None:
    """A read-only command takes no lock and costs no COMMIT trip; its first write sends BEGIN IMMEDIATE."""
    async with database.transaction() as session:
        connection = await session.connection()
        adapted = (await connection.get_raw_connection()).dbapi_connection
        await session.scalar(select(func.count()).select_from(Member))
        assert not adapted.may_be_in_transaction  # nothing opened: commit() is skipped
        session.add(Member(language="fr"))
        await session.flush()
        assert adapted.may_be_in_transaction

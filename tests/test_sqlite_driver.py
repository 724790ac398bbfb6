"""The one-trip SQLite adapter keeps SQLite's transaction semantics while skipping needless trips."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.db.engine import Database
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

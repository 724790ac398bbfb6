"""Engines, sessions and the one-transaction-per-command unit of work."""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from . import sqlite_driver

log = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseUrlError(ValueError):
    """The configured database URL names a database we do not support."""


def async_url(url: str | URL) -> URL:
    """The URL with the async driver we use for its backend (aiosqlite, psycopg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")


def sync_url(url: str | URL) -> URL:
    """The URL with the synchronous driver, for Alembic."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")


def make_sync_engine(url: str | URL, **kwargs: Any) -> Engine:
    """The synchronous engine of Alembic and of ``Database.write_at_once``. On SQLite, sqlite3's
    implicit BEGIN (sent only before INSERT, UPDATE, DELETE) is replaced by our own, so a migration's
    DDL commits with it or not at all."""
    engine = create_engine(sync_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_implicit_begin)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql(sqlite_driver.BEGIN)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets a reader and a writer
    # (the bot and the command line) work at once; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        database = target.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(target, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(target, **reconnecting(target, kwargs))


CONNECT_TIMEOUT = 10  # seconds; libpq waits forever by default for a server that accepts but never answers


def reconnecting(url: URL, kwargs: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL engine options that let a bot outlive a database restart or a network cut.

    ``pool_pre_ping``: a pooled connection is tested before use, so connections killed by a
    restart are replaced instead of failing the next command; ``connect_timeout``: a new
    connection to a server that does not answer gives up (the command then says "try again")
    instead of hanging. ``?connect_timeout=`` in the URL wins.
    """
    options = dict(kwargs)
    options.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in url.query:
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
        options["connect_args"] = connect_args
    return options


class Database:
    """Owns an engine and hands out transactions.

    ``transaction()`` is the unit of work: everything a command does commits together
    or not at all.
    """

    def __init__(self, url: str | URL, **engine_kwargs: Any) -> None:
        self.url = make_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = _sqlite_file_writer(self.url)
        # one thread: these writers never wait on each other's lock (SQLite's busy wait sleeps), nor take
        # the threads of the loop's default executor (name resolution)
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer") if self._writer else None

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            async with session.begin():
                yield session

    async def write_at_once(self, work: Callable[..., T], *args: Any) -> T:
        """``work(connection, *args)``, synchronous code, as one short transaction of its own.

        SQLite has a single writer: a transaction that writes keeps every other writer waiting
        until it commits, and an async one holds the lock across every trip to the database
        thread and every turn of a busy event loop in between. Here, on a SQLite file, the whole
        transaction runs on the database's writer thread (one trip), so the lock is held only while its
        statements run. On PostgreSQL (many writers) it is an ordinary transaction.
        """
        if self._writer is not None:
            return await asyncio.get_running_loop().run_in_executor(
                self._writer_thread, functools.partial(_in_transaction, self._writer, work, args))
        async with self.engine.begin() as connection:
            return await connection.run_sync(work, *args)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._writer is not None:
            self._writer_thread.shutdown()
            self._writer.dispose()


def _sqlite_file_writer(url: URL) -> Engine | None:
    """The synchronous engine of ``write_at_once`` on a SQLite file (a memory database is one connection's own)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    engine = make_sync_engine(url, pool_size=1)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _in_transaction(engine: Engine, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    with engine.begin() as connection:
        return work(connection, *args)

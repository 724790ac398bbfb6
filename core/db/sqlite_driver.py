"""SQLite for asyncio with one trip to the database thread per statement.

aiosqlite runs SQLite in a thread; SQLAlchemy's adapter crosses to it four times per
statement (cursor, execute, fetch, close) and once more to roll back every connection
the pool gets back. Each crossing wakes the event loop, and on the hot path of a chat
command those wake-ups cost more than the SQL. This adapter runs the four steps in one
function on the thread, and skips COMMIT and ROLLBACK when no transaction is open.
Registered as ``sqlite+alumni_aiosqlite``; everything else is SQLAlchemy's aiosqlite dialect.

Transactions are real: Python's sqlite3 only sends BEGIN before INSERT, UPDATE or DELETE, so
a SAVEPOINT that came first opened the transaction itself and its RELEASE committed everything.
Here the driver's own BEGIN is off (``isolation_level=None``) and the adapter sends
``BEGIN IMMEDIATE`` itself, in the same trip as the first statement of a transaction that writes,
opens a savepoint or reads ``FOR UPDATE``. IMMEDIATE takes the write lock at once, so a
concurrent writer waits (``busy_timeout``) instead of failing: a DEFERRED transaction that has read
and then writes after another connection committed gets SQLITE_BUSY_SNAPSHOT at once, which no
timeout retries. Plain reads before that point see the latest committed rows (as PostgreSQL's
READ COMMITTED does) and take no lock, so read-only commands never queue behind writers and a
command may still read through a second connection while it writes.
"""
from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler, SQLiteDialect
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "alumni_aiosqlite"
BEGIN = "BEGIN IMMEDIATE"
# The SQLite compiler drops FOR UPDATE; this comment stands for it so that the adapter can lock.
FOR_UPDATE_MARK = " /* for update */"
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _needs_write_lock(operation: str) -> bool:
    """Whether a statement must run inside the transaction: anything but a plain read."""
    head = operation.lstrip()[:7].upper()
    return not head.startswith(_READS) or FOR_UPDATE_MARK in operation


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, begin: bool
) -> tuple[Any, list[Any], Any, int, bool]:
    """On the database thread: BEGIN if asked, the whole statement, and whether a transaction is now open."""
    cursor = connection.cursor()
    try:
        if begin and not connection.in_transaction:
            cursor.execute(BEGIN)
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.lastrowid, cursor.rowcount, connection.in_transaction
    finally:
        cursor.close()


def _run_many(
    connection: sqlite3.Connection, operation: str, seq_of_parameters: Any, begin: bool
) -> tuple[Any, int, bool]:
    """On the database thread: BEGIN if asked, then a batch (an INSERT of many rows)."""
    cursor = connection.cursor()
    try:
        if begin and not connection.in_transaction:
            cursor.execute(BEGIN)
        cursor.executemany(operation, seq_of_parameters)
        return cursor.lastrowid, cursor.rowcount, connection.in_transaction
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        raw = self._connection
        begin = adapted.begin_wanted and _needs_write_lock(operation)
        try:
            description, rows, lastrowid, rowcount, open_transaction = self.await_(
                raw._execute(_run, raw._conn, operation, parameters, begin)
            )
        except Exception as error:
            adapted.may_be_in_transaction = True  # unknown state: let rollback really run
            adapted._handle_exception(error)
        adapted.may_be_in_transaction = open_transaction
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows)
        else:
            self.description = None
            self._rows = deque()
            self.lastrowid = lastrowid
            self.rowcount = rowcount

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        raw = self._connection
        try:
            lastrowid, rowcount, open_transaction = self.await_(
                raw._execute(_run_many, raw._conn, operation, seq_of_parameters, adapted.begin_wanted)
            )
        except Exception as error:
            adapted.may_be_in_transaction = True
            adapted._handle_exception(error)
        adapted.may_be_in_transaction = open_transaction
        self.description = None
        self._rows = deque()
        self.lastrowid = lastrowid
        self.rowcount = rowcount


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """``begin_wanted``: SQLAlchemy began a transaction; the next statement that needs it sends BEGIN."""

    __slots__ = ("may_be_in_transaction", "begin_wanted", "autocommit")

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.may_be_in_transaction = True
        self.begin_wanted = False
        self.autocommit = False  # SQLAlchemy's isolation_level="AUTOCOMMIT": never BEGIN

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else OneTripCursor(self)

    def execute(self, *args: Any, **kw: Any) -> Any:
        self.may_be_in_transaction = True
        return super().execute(*args, **kw)

    def commit(self) -> None:
        self.begin_wanted = False
        if not self.may_be_in_transaction:
            return  # only reads ran (BEGIN waits for the first write): nothing to commit
        super().commit()
        self.may_be_in_transaction = False

    def rollback(self) -> None:
        self.begin_wanted = False
        if not self.may_be_in_transaction:
            return  # nothing to undo: spare the trip to the thread
        super().rollback()
        self.may_be_in_transaction = False


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["isolation_level"] = None  # sqlite3 never sends BEGIN itself: the adapter does
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


class OneTripCompiler(SQLiteCompiler):
    def for_update_clause(self, select: Any, **kw: Any) -> str:
        return FOR_UPDATE_MARK


class OneTripDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True
    statement_compiler = OneTripCompiler

    @classmethod
    def import_dbapi(cls) -> OneTripDBAPI:  # type: ignore[override]
        return OneTripDBAPI(__import__("aiosqlite"), __import__("sqlite3"))

    def do_begin(self, dbapi_connection: Any) -> None:
        adapted = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        adapted.begin_wanted = not adapted.autocommit

    def set_isolation_level(self, dbapi_connection: Any, level: Any) -> None:
        # the driver's own isolation_level stays None (no implicit BEGIN) whatever the level
        dbapi_connection.autocommit = level == "AUTOCOMMIT"
        if not dbapi_connection.autocommit:
            SQLiteDialect.set_isolation_level(self, dbapi_connection, level)

    def detect_autocommit_setting(self, dbapi_conn: Any) -> bool:
        return bool(dbapi_conn.autocommit)


registry.register(f"sqlite.{DRIVER}", __name__, "OneTripDialect")

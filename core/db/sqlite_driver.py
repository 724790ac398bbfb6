"""SQLite for asyncio with one trip to the database thread per statement.

aiosqlite runs SQLite in a thread; SQLAlchemy's adapter crosses to it four times per
statement (cursor, execute, fetch, close) and once more to roll back every connection
the pool gets back. Each crossing wakes the event loop, and on the hot path of a chat
command those wake-ups cost more than the SQL. This adapter runs the four steps in one
function on the thread, and skips COMMIT and ROLLBACK when no transaction is open.
Registered as ``sqlite+alumni_aiosqlite``; everything else is SQLAlchemy's aiosqlite dialect.
"""
from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "alumni_aiosqlite"


def _run(connection: sqlite3.Connection, operation: str, parameters: Any) -> tuple[Any, list[Any], Any, int, bool]:
    """On the database thread: the whole statement, and whether a transaction is now open."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.lastrowid, cursor.rowcount, connection.in_transaction
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        raw = self._connection
        try:
            description, rows, lastrowid, rowcount, open_transaction = self.await_(
                raw._execute(_run, raw._conn, operation, parameters)
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
        # a batch (an INSERT of many rows) opens a transaction too: COMMIT must not be skipped
        self._adapt_connection.may_be_in_transaction = True  # type: ignore[attr-defined]
        return super().executemany(operation, seq_of_parameters)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("may_be_in_transaction",)

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.may_be_in_transaction = True

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else OneTripCursor(self)

    def execute(self, *args: Any, **kw: Any) -> Any:
        self.may_be_in_transaction = True
        return super().execute(*args, **kw)

    def commit(self) -> None:
        if not self.may_be_in_transaction:
            return  # only reads ran (SQLite opens a transaction at the first write): nothing to commit
        super().commit()
        self.may_be_in_transaction = False

    def rollback(self) -> None:
        if not self.may_be_in_transaction:
            return  # nothing to undo: spare the trip to the thread
        super().rollback()
        self.may_be_in_transaction = False


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


class OneTripDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneTripDBAPI:  # type: ignore[override]
        return OneTripDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneTripDialect")

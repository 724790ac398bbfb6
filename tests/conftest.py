"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``ALUMNI_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and
sets it). Without it the PostgreSQL half is skipped, unless
``ALUMNI_REQUIRE_POSTGRES=1`` (set in CI), which turns the skip into a failure.
"""
from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from core.app import App, open_app
from core.channels import ensure_channels
from core.config import Settings
from core.db.engine import Database, sync_url
from core.db.models import Base
from tests.fakes.telegram_api import FakeBotAPI
from tests.hostile_inputs import TRIED

POSTGRES_URL = os.environ.get("ALUMNI_TEST_POSTGRES_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("ALUMNI_REQUIRE_POSTGRES") == "1"
pytest_plugins = ["tests.reply_checks"]  # every Reply of the suite is checked (balanced isolates)
HOSTILE_TRIED = "hostile_inputs_tried"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database of this test's own, emptied again after it (see ``PostgresDatabases``)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ALUMNI_REQUIRE_POSTGRES=1 but ALUMNI_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set ALUMNI_TEST_POSTGRES_URL)")
    name = _POSTGRES.take()
    try:
        yield _POSTGRES.url(name)
    finally:
        _POSTGRES.give_back(name)


class PostgresDatabases:
    """The PostgreSQL databases of one test process, each used by one test at a time.

    Every test process (each pytest-xdist worker) creates its own databases, named at random, so
    parallel workers never share one. A database is emptied after its test (its connections
    ended, its schemas dropped and ``public`` made again, so identities start at 1 again) and
    handed to the next test, rather than made and dropped for each: in PostgreSQL 15 every
    ``DROP DATABASE`` forces a checkpoint, about half a second with an fsync each, and every
    ``CREATE DATABASE`` copies the template through the WAL. They are dropped once, at the end.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.free: list[str] = []
        self.created: list[str] = []
        self.unreachable: str | None = None

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        if self.unreachable:  # said once in full; every later test fails at once, not after a timeout
            pytest.fail(self.unreachable)
        name = f"alumni_t_{uuid.uuid4().hex[:12]}"
        try:
            self._admin(f'CREATE DATABASE "{name}"')
        except OperationalError as error:
            where = make_url(self.admin_url).render_as_string(hide_password=True)
            self.unreachable = f"PostgreSQL at {where} (ALUMNI_TEST_POSTGRES_URL) is unreachable: {error}"
            raise
        self.created.append(name)
        return name

    def give_back(self, name: str) -> None:
        engine = create_engine(sync_url(self.url(name)), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                # a bot process or an engine the test left behind must not keep locks (or rows) here; the
                # server's own processes (autovacuum) are not ours to end, and give way to the drop by themselves
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                        "AND usename = current_user"))
                schemas = connection.execute(text(
                    "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' "
                    "AND nspname NOT LIKE 'pg\\_%'")).scalars().all()
                for schema in schemas:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                connection.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
        self.free.append(name)

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
        self.free.clear()

    def _admin(self, statement: str) -> None:
        engine = create_engine(sync_url(self.admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool,
                               connect_args={"connect_timeout": 10})
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()


_POSTGRES = PostgresDatabases(POSTGRES_URL)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if POSTGRES_URL:
        _POSTGRES.drop_all()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: its counts go to the controller's summary
        workeroutput[HOSTILE_TRIED] = dict(TRIED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, on the controller: add up what each worker tried (``pytest_terminal_summary``)."""
    TRIED.update(getattr(node, "workeroutput", {}).get(HOSTILE_TRIED, {}))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated-equivalent schema (create_all; migrations are checked by their own test), channels seeded."""
    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with database.transaction() as session:
        await ensure_channels(session)
    try:
        yield database
    finally:
        await database.dispose()


# Files with the longest tests (tens of seconds: bot processes, SIGKILLs, hostile-input sweeps), run
# first: a worker that started one of them near the end would run it alone while the other waits idle.
START_FIRST = (
    "test_scaleout.py", "test_story_events_announcements.py", "test_faults_sigterm.py", "test_hostile_commands.py",
    "test_limits_link.py", "test_delivery_processes.py", "test_faults_receiving.py", "test_run_all.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first (``START_FIRST``), the rest in their usual order."""
    rank = {name: position for position, name in enumerate(START_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(START_FIRST)))


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI configures logging on a captured stderr; later tests must not write to it once closed."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many hostile inputs the property tests tried (tests/hostile_inputs.py), for the closing note."""
    if TRIED:
        total = sum(TRIED.values())
        details = ", ".join(f"{kind}: {n}" for kind, n in sorted(TRIED.items()))
        terminalreporter.write_line(f"hostile inputs tried: {total} ({details})")


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    """A bot process's app on each backend, migrated as ``alumni run`` opens it; closed after the test."""
    opened = await open_app(Settings(database_url=database_url), migrate=True)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """Our fake Telegram Bot API on 127.0.0.1, for python-telegram-bot to talk to."""
    async with FakeBotAPI() as fake:
        yield fake

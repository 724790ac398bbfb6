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

import pytest
from sqlalchemy import text

from core.app import App, open_app
from core.channels import ensure_channels
from core.config import Settings
from core.db.engine import Database
from core.db.models import Base
from tests.fakes.telegram_api import FakeBotAPI

POSTGRES_URL = os.environ.get("ALUMNI_TEST_POSTGRES_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("ALUMNI_REQUIRE_POSTGRES") == "1"
pytest_plugins = ["tests.reply_checks"]  # every Reply of the suite is checked (balanced isolates)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ALUMNI_REQUIRE_POSTGRES=1 but ALUMNI_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set ALUMNI_TEST_POSTGRES_URL)")
    return _fresh_postgres_database(POSTGRES_URL)


def _fresh_postgres_database(admin_url: str) -> str:
    """Create a uniquely named database so tests never see each other's rows."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from core.db.engine import sync_url

    name = f"alumni_t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    _CREATED_PG_DATABASES.append(name)
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


_CREATED_PG_DATABASES: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not (POSTGRES_URL and _CREATED_PG_DATABASES):
        return
    from sqlalchemy import create_engine

    from core.db.engine import sync_url

    engine = create_engine(sync_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for name in _CREATED_PG_DATABASES:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


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
    from tests.hostile_inputs import TRIED

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

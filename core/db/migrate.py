"""Alembic, driven from code: ``alumni db upgrade`` and the automatic upgrade on first use."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from .engine import make_sync_engine, sync_url

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["sqlalchemy_url"] = sync_url(url)
    return config


def current_revision(url: str | URL) -> str | None:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(url: str | URL) -> bool:
    """Bring the schema to the newest migration. Returns True when anything ran."""
    if current_revision(url) == head_revision():
        return False
    command.upgrade(alembic_config(url), "head")
    log.info("database upgraded to %s", head_revision())
    return True

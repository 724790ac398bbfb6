"""The Alembic migrations build exactly the schema of core.db.models, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from core.db.engine import sync_url
from core.db.migrate import current_revision, head_revision, upgrade
from core.db.models import Base


def test_upgrade_matches_models(database_url: str) -> None:
    assert head_revision() is not None
    assert upgrade(database_url) is True
    assert current_revision(database_url) == head_revision()
    assert upgrade(database_url) is False  # already at head: nothing runs
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models changed: run `make migration` (scripts/regen_migration.py)"

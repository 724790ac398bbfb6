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


def test_bindings_made_before_approval_existed_stay_approved(database_url: str) -> None:
    """Upgrading a database whose bindings predate 0005_bind: they keep working (approved), new ones wait."""
    from alembic import command
    from sqlalchemy import text

    from core.db.migrate import alembic_config

    command.upgrade(alembic_config(database_url), "0004_audit")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO channels (id, slug, kind, country_code, created_at) "
                                    "VALUES (1, 'tn', 'country', 'TN', '2026-01-02 03:04:05')"))
            connection.execute(text("INSERT INTO channel_bindings (channel_id, platform, chat_id, title, data, created_at) "
                                    "VALUES (1, 'telegram', '-100', 'Tunisie', '{}', '2026-01-02 03:04:05')"))
        assert upgrade(database_url) is True
        with engine.begin() as connection:
            status, approved_at = connection.execute(text("SELECT status, approved_at FROM channel_bindings")).one()
            assert status == "approved" and approved_at is not None
            connection.execute(text("INSERT INTO channel_bindings (channel_id, platform, chat_id, data, created_at) "
                                    "VALUES (1, 'slack', 'C1', '{}', '2026-01-02 03:04:05')"))
            statuses = connection.execute(text("SELECT chat_id, status FROM channel_bindings ORDER BY chat_id")).all()
            assert [tuple(row) for row in statuses] == [("-100", "approved"), ("C1", "pending")]
    finally:
        engine.dispose()

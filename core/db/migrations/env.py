"""Alembic environment: the URL comes from ``config.attributes`` (set by core.db.migrate)."""
from __future__ import annotations

from alembic import context

from core.db.engine import make_sync_engine
from core.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_sync_engine(config.attributes["sqlalchemy_url"])  # SQLite: each migration is one real transaction
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=str(config.attributes["sqlalchemy_url"]), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

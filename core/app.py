"""Wiring: one object that every adapter (console, CLI, bots) opens to reach the core."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

from core.channels import ensure_channels
from core.commands.service import CommandService
from core.commands.throttle import Throttle
from core.config import Settings
from core.db.engine import Database
from core.db.migrate import upgrade

log = logging.getLogger(__name__)


@dataclass
class App:
    """The settings, the database pool and the command service built on them: opened once per process."""

    settings: Settings
    db: Database
    commands: CommandService = field(init=False)

    def __post_init__(self) -> None:
        self.commands = CommandService(self.db, throttle=Throttle.from_settings(self.settings),
                                       announce_per_day=self.settings.announce_per_day)

    async def close(self) -> None:
        await self.db.dispose()


async def prepare_database(url: str) -> None:
    """Migrate (SQLite: create on first use) and seed the channels. Safe to run at every start."""
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    try:
        async with database.transaction() as session:
            await ensure_channels(session)
    finally:
        await database.dispose()


async def open_app(settings: Settings | None = None, *, migrate: bool | None = None) -> App:
    """Open the core. SQLite databases are created and upgraded automatically on first use;
    PostgreSQL is upgraded by ``alumni db upgrade`` unless ``migrate=True``."""
    settings = settings or Settings.from_env()
    if migrate is None:
        migrate = make_url(settings.database_url).get_backend_name() == "sqlite"
    if migrate:
        await prepare_database(settings.database_url)
    return App(settings=settings, db=Database(settings.database_url))

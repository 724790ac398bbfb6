"""The entry point of the command layer: ``CommandService.handle(request) -> list[Reply]``."""
from __future__ import annotations

from core.commands.types import Reply, Request
from core.db.engine import Database


class CommandService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def handle(self, request: Request) -> list[Reply]:
        raise NotImplementedError  # being written in core/commands/

    def command_names(self) -> list[str]:
        raise NotImplementedError

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        """(name, one-line description) in the given language, for help and platform menus."""
        raise NotImplementedError

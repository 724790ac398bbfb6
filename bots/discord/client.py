"""The discord.py client: intents, the application commands (``commands``), the dispatchers.

Intents: ``guilds`` (the servers, their roles and channels, for ``/bind``) and ``dm_messages``
(free text typed in a DM, e.g. a country during onboarding; DM content needs no privileged
intent). No privileged intent: members, presences and message content are not needed, since
every command is an interaction and roles are given through REST.
"""
from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bots.kit.pipeline import Pipeline

from . import handlers
from .commands import command_table, make_command
from .components import DYNAMIC_ITEMS
from .translator import CatalogTranslator
from .transport import DiscordTransport

log = logging.getLogger(__name__)
# Short waits on a 429 are done inside discord.py (it follows the per-route buckets); longer
# ones surface as discord.RateLimited so the delivery engine can reschedule instead of blocking.
MAX_RATELIMIT_WAIT = 30.0  # discord.py refuses less than 30 s


class _NoVoiceWarnings(logging.Filter):
    """The bot has no voice features: discord.py's "voice will NOT be supported" lines are noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


logging.getLogger("discord.client").addFilter(_NoVoiceWarnings())


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    return chosen


class AlumniBot(discord.Client):
    """The client: ``service`` is the core's CommandService (``App.commands``)."""

    def __init__(self, service: Any, *, sync_commands: bool = True, **options: Any) -> None:
        options.setdefault("intents", intents())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        super().__init__(**options)
        self.service = service
        self.pipeline = Pipeline(service)  # the turns of this client's chats
        self.sync_commands = sync_commands
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.table = command_table(service)
        for name, description, command_options in self.table:
            self.tree.add_command(make_command(name, description, command_options))
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.tree.set_translator(CatalogTranslator(self.service, [name for name, _d, _o in self.table]))
        if self.sync_commands:
            self.synced = await self.tree.sync()
            log.info("%d application commands published", len(self.synced))

    def transport(self) -> DiscordTransport:
        """The delivery engine's sender, sharing this client's HTTP session and rate-limit buckets."""
        return DiscordTransport(self)

    async def on_ready(self) -> None:
        log.info("discord bot %s ready in %d servers", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        try:
            await handlers.on_direct_message(self, message)
        except Exception:  # one failing message never stops the bot
            log.exception("direct message %s failed", message.id)

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("interaction %s failed", interaction.id, exc_info=error)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("event %s failed", event_method)

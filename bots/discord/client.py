"""The discord.py client: intents, the application commands built from the core, the dispatchers.

Intents: ``guilds`` (the servers, their roles and channels, for ``/bind``) and ``dm_messages``
(free text typed in a DM, e.g. a country during onboarding; DM content needs no privileged
intent). No privileged intent: members, presences and message content are not needed, since
every command is an interaction and roles are given through REST.
"""
from __future__ import annotations

import inspect
import logging
from typing import Any, Optional

import discord
from discord import app_commands

from bots.kit.binding import BIND_COMMANDS as KIT_BIND_COMMANDS
from bots.kit.pipeline import Pipeline
from core.commands.parameters import Param
from core.commands.service import commands as core_commands  # the table, complete once the service is imported

from . import access, handlers
from .components import DYNAMIC_ITEMS
from .options import COMPLETERS, SERVER_ONLY, annotation, core_args
from .translator import CatalogTranslator
from .transport import DiscordTransport

log = logging.getLogger(__name__)
BIND_COMMANDS = tuple(sorted(KIT_BIND_COMMANDS))  # in a stable order: the command table's
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


def command_table(service: Any) -> list[tuple[str, str, tuple[Param, ...]]]:
    """(name, description msgid, parameters) for every command the bot offers, in the core's order:
    the options of each come from its specification in the core."""
    specs = core_commands()
    names = [n for n in service.command_names()] + [n for n in BIND_COMMANDS if n in specs]
    table = []
    for name in names:
        spec = specs.get(name)
        table.append((name, spec.description if spec else name, spec.params if spec else ()))
    return table


def make_command(name: str, description: str, options: tuple[Param, ...]) -> app_commands.Command:
    """An application command whose callback forwards its typed options to the core."""
    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    for option in sorted(options, key=lambda o: not o.required):
        kind = annotation(option)
        parameters.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=kind if option.required else Optional[kind],
                default=inspect.Parameter.empty if option.required else None,
            )
        )

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        extra: dict[str, Any] = {}
        if name in BIND_COMMANDS and not handlers.over_limit(interaction):
            rights = await access.bind_rights(interaction, values.get("role"))
            extra = {"chat_admin": rights.chat_admin, "bot_can_invite": rights.bot_can_invite, "binding": rights.binding}
        await handlers.on_command(interaction, name, core_args(options, values), **extra)

    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"command_{name}"
    if options:
        callback = app_commands.describe(**{o.name: app_commands.locale_str(o.description) for o in options})(callback)
    choices = {
        o.name: [app_commands.Choice(name=app_commands.locale_str(label), value=value) for value, label in o.choices]
        for o in options if o.choices
    }
    if choices:
        callback = app_commands.choices(**choices)(callback)
    completers = {o.name: COMPLETERS[o.suggest] for o in options if o.suggest}
    if completers:
        callback = app_commands.autocomplete(**completers)(callback)
    if name in SERVER_ONLY:
        callback = app_commands.guild_only()(callback)
    return app_commands.Command(
        name=name,
        description=app_commands.locale_str(description, command=name),
        callback=callback,
    )


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

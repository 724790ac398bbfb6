"""The application commands, built from the core's command specifications.

Each command's options (type, choices, autocomplete, localized descriptions) come from its
``Param``s in the core (``options`` maps them to Discord's); the callback forwards the typed
values to the core as the command's arguments. ``/bind`` and ``/unbind`` also carry the rights
the server gives the sender and the bot (``access.bind_rights``).
"""
from __future__ import annotations

import inspect
from typing import Any, Optional

import discord
from discord import app_commands

from bots.kit.binding import BIND_COMMANDS as KIT_BIND_COMMANDS
from core.commands.parameters import Param
from core.commands.service import commands as core_commands  # the table, complete once the service is imported

from . import access, handlers
from .options import COMPLETERS, SERVER_ONLY, annotation, core_args

BIND_COMMANDS = tuple(sorted(KIT_BIND_COMMANDS))  # in a stable order: the command table's


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

"""Discord's typed slash options, derived from the parameters of each core command.

Each ``Param`` of a command's specification (``core.commands.parameters``) becomes one option:
its name (localized through ``names.SLASH_WORDS``), its description, whether it is required,
its fixed choices, and autocomplete when the core can suggest values of its kind. A role
parameter is Discord's role option, given to the core with the binding rather than in the
arguments. A parameter added to a command in the core appears here at once.

Autocomplete asks the core (``CommandService.suggest``); what it suggests is only a suggestion:
the core checks the value the person finally sends.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from core.commands.parameters import Param, ParamType, Suggest
from core.commands.suggestions import SuggestionQuery
from core.i18n import DEFAULT_LANGUAGE

from .names import clip, language_of_locale

MAX_CHOICES = 25  # Discord's limit per autocomplete answer
PLATFORM = "discord"
# Commands only a server's administrators use: offered in servers only.
SERVER_ONLY = frozenset({"bind", "unbind"})


def annotation(param: Param) -> type:
    """The Python type discord.py turns into the option's type: a role, or a string."""
    return discord.Role if param.type is ParamType.ROLE else str


# ---------------------------------------------------------------- autocomplete

Completer = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]


def reader_language(interaction: discord.Interaction) -> str:
    return language_of_locale(interaction.locale) or DEFAULT_LANGUAGE


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=clip(name) or value[:100], value=value[:100])


def completer(kind: Suggest) -> Completer:
    """Discord's autocomplete callback for a kind of value: the core's suggestions for what is typed."""

    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        service: Any = interaction.client.service  # type: ignore[attr-defined]
        query = SuggestionQuery(kind, current, reader_language(interaction), PLATFORM, str(interaction.user.id), MAX_CHOICES)
        return [_choice(found.label, found.value) for found in await service.suggest(query)]

    complete.__name__ = complete.__qualname__ = f"complete_{kind.value}"
    return complete


COMPLETERS: dict[Suggest, Completer] = {kind: completer(kind) for kind in Suggest}


def core_args(params: tuple[Param, ...], values: dict[str, Any]) -> str:
    """The core's argument string: the values of the parameters it reads, in the specification's order."""
    parts = []
    for param in params:
        value = values.get(param.name)
        if param.in_args and value not in (None, ""):
            parts.append(str(value).strip())
    return " ".join(parts)

"""The persistent dispatcher for buttons and select menus.

Each component's custom id (or a select option's value) carries the core's action payload,
so nothing about a sent message is kept in memory: discord.py matches the custom id of every
component interaction against these templates (``Client.add_dynamic_items``), also for
messages sent before the bot restarted, and the payload goes to the core as a button press.
"""
from __future__ import annotations

import re
from typing import Any

import discord

from .handlers import on_action
from .render import BUTTON_PREFIX, SELECT_PREFIX


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=BUTTON_PREFIX + r"(?P<index>\d{1,3}):(?P<action>.+)"):
    def __init__(self, custom_id: str, action: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id, label="·"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]) -> "ActionButton":
        return cls(item.custom_id or "", match["action"])

    async def callback(self, interaction: discord.Interaction) -> Any:
        await on_action(interaction, self.action)


class ActionSelect(discord.ui.DynamicItem[discord.ui.Select], template=SELECT_PREFIX + r"(?P<number>\d{1,2})"):
    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Select(custom_id=custom_id, options=[discord.SelectOption(label="·")]))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]) -> "ActionSelect":
        return cls(item.custom_id or "")

    async def callback(self, interaction: discord.Interaction) -> Any:
        values = (interaction.data or {}).get("values") or []  # type: ignore[union-attr]
        if values:
            await on_action(interaction, str(values[0]))


DYNAMIC_ITEMS = (ActionButton, ActionSelect)

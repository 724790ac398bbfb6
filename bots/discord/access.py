"""Roles for bound channels: what ``/bind`` needs to know, and giving or taking a role.

A core channel bound on Discord is a text channel of a server plus, optionally, a role
(``ChannelBinding.data``: ``guild_id``, ``role_id``; and ``mirror_to`` when the bot may create
the server's events: the channel's events are then mirrored as scheduled events). Joining the channel through the bot
gives the role, leaving takes it away. The bot can do so only with the Manage Roles
permission and a top role above the bound role (Discord's hierarchy rule).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bots.kit.refusals import Refusals
from core.messages.types import ChatAccess
from core.commands.mirror_ids import MIRROR_KEY
from core.delivery.transport import Pace, PermanentError
from core.i18n import _

from .errors import MALFORMED, delivery_error
from .scheduled import mirror_address

log = logging.getLogger(__name__)
Within = Callable[[Awaitable[Any]], Awaitable[Any]]  # one platform call, given up after a timeout


@dataclass(frozen=True, slots=True)
class BindRights:
    chat_admin: bool
    bot_can_invite: bool | None
    binding: dict[str, str]


def sender_administers(interaction: discord.Interaction) -> bool:
    """Manage Server or Manage Roles (Administrator implies both) in this channel."""
    permissions = interaction.permissions
    return bool(permissions.manage_guild or permissions.manage_roles)


async def bot_member(interaction: discord.Interaction) -> discord.Member | None:
    guild = interaction.guild
    if guild is None:
        return None
    if guild.me is not None:
        return guild.me
    try:
        return await guild.fetch_member(interaction.client.user.id)  # type: ignore[union-attr]
    except discord.HTTPException as error:
        log.info("cannot read the bot's own member in guild %s: %s", guild.id, error)
        return None


async def bind_rights(interaction: discord.Interaction, role: discord.Role | None) -> BindRights:
    """The facts the core's ``bind`` decides on; only a role needs the bot's rights."""
    guild_id = str(interaction.guild_id or "")
    binding = {"guild_id": guild_id}
    rights = interaction.app_permissions
    if guild_id and (rights.create_events or rights.manage_events):
        binding[MIRROR_KEY] = mirror_address(guild_id)  # events of the channel mirrored as scheduled events
    if role is None:
        return BindRights(sender_administers(interaction), None, binding)
    binding["role_id"] = str(role.id)
    can = bool(interaction.app_permissions.manage_roles) and not role.managed and not role.is_default()
    if can:
        me = await bot_member(interaction)
        can = me is not None and me.top_role > role
    return BindRights(sender_administers(interaction), can, binding)


def role_of(item: ChatAccess) -> tuple[int, int] | None:
    """(guild id, role id) of a bound chat, or None when the binding gives no role."""
    try:
        return int(str(item.data["guild_id"])), int(str(item.data["role_id"]))
    except (KeyError, ValueError):
        return None


async def apply_access(http: discord.http.HTTPClient, user_id: int, access: list[ChatAccess]) -> list[str]:
    """Give or take the roles; returns what the person must be told about failures (translated)."""
    notes: list[str] = []
    for item in access:
        target = role_of(item)
        if target is None:
            continue
        guild_id, role_id = target
        name = item.title or item.channel_slug
        reason = f"alumni channel {item.channel_slug}: {'joined' if item.grant else 'left'}"
        try:
            if item.grant:
                await http.add_role(guild_id, user_id, role_id, reason=reason)
            else:
                await http.remove_role(guild_id, user_id, role_id, reason=reason)
        except discord.Forbidden as error:
            log.warning("cannot %s role %s in guild %s for %s: %s — does the bot have Manage Roles, above that role?",
                        "give" if item.grant else "take", role_id, guild_id, item.channel_slug, error)
            notes.append(
                _("I could not change your role on the Discord server “{chat}”: I lack the permission there. Please tell one of its administrators.").format(chat=name)
            )
        except discord.NotFound as error:
            log.info("role %s in guild %s for %s: %s", role_id, guild_id, item.channel_slug, error)
            if item.grant:
                notes.append(_("You are not yet in the Discord server “{chat}”, so I could not give you its role.").format(chat=name))
        except discord.HTTPException as error:
            log.warning("role change failed in guild %s: %s", guild_id, error)
    return notes


async def apply_roles(http: discord.http.HTTPClient, user_id: int, access: list[ChatAccess], pace: Pace,
                      within: Within) -> None:
    """Give or take the roles of bound channels for the delivery engine (``forget`` typed on another
    platform); each call waits for ``pace()`` and is given up after ``within``'s timeout.

    A member no longer in the server, or a role deleted since, has nothing to take back. A role the
    bot may not manage is reported (the row fails) once every other role was tried; transient
    trouble retries the whole row later (giving or taking a role twice changes nothing).
    """
    refused = Refusals()
    for item in access:
        role = role_of(item)
        if role is None:
            continue  # a channel bound without a role gives no access of its own
        guild_id, role_id = role
        reason = f"alumni channel {item.channel_slug}: {'joined' if item.grant else 'forgotten'}"
        await pace()
        try:
            if item.grant:
                await within(http.add_role(guild_id, user_id, role_id, reason=reason))
            else:
                await within(http.remove_role(guild_id, user_id, role_id, reason=reason))
        except discord.NotFound:
            log.info("role %s in guild %s: member or role gone, nothing to change", role_id, guild_id)
        except (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError, OSError, *MALFORMED) as error:
            mapped = delivery_error(error)
            if not isinstance(mapped, PermanentError):
                raise mapped from error
            log.warning("cannot change role %s in guild %s for %s: %s", role_id, guild_id, item.channel_slug, mapped)
            refused.add(item.channel_slug, mapped.reason)
    refused.raise_any()

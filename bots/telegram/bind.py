"""``/bind <channel>`` and ``/unbind`` in a group: what only Telegram can tell the core.

Which requests need it is the kit's rule (``bots/kit/binding.py``).

The core decides who may bind a chat (``core/commands/handlers/bind.py``); Telegram knows
whether the sender administers the group and whether the bot may invite and remove people.
This module asks Telegram (getChatMember) and puts both answers in the request.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden

from core.messages.types import ChatKind, Request

from . import errors

log = logging.getLogger(__name__)
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


@dataclass(frozen=True, slots=True)
class GroupRights:
    sender_is_admin: bool
    bot_is_admin: bool
    bot_can_invite: bool
    bot_can_ban: bool


async def group_rights(bot: Any, chat_id: str, user_id: str) -> GroupRights:
    async def member(uid: int | str) -> Any | None:
        try:
            return await errors.call_api(lambda: bot.get_chat_member(chat_id=chat_id, user_id=uid), what="getChatMember")
        except (BadRequest, Forbidden) as error:
            log.info("getChatMember %s in %s failed: %s", uid, chat_id, error)
            return None

    sender, me = await member(user_id), await member(bot.id)
    bot_admin = me is not None and me.status in _ADMINS
    return GroupRights(
        sender_is_admin=sender is not None and sender.status in _ADMINS,
        bot_is_admin=bot_admin,
        bot_can_invite=bot_admin and bool(getattr(me, "can_invite_users", False) or me.status == ChatMemberStatus.OWNER),
        bot_can_ban=bot_admin and bool(getattr(me, "can_restrict_members", False) or me.status == ChatMemberStatus.OWNER),
    )


async def with_group_rights(bot: Any, request: Request) -> Request:
    """The request with ``chat_admin`` and ``bot_can_invite`` filled in from Telegram (groups only)."""
    if request.chat.kind != ChatKind.GROUP:
        return request
    rights = await group_rights(bot, request.chat.chat_id, request.sender.user_id)
    if rights.bot_can_invite and not rights.bot_can_ban:
        log.warning("bot lacks the ban right in %s: leaving a channel will not remove members", request.chat.chat_id)
    return replace(request, chat_admin=rights.sender_is_admin, bot_can_invite=rights.bot_is_admin and rights.bot_can_invite)

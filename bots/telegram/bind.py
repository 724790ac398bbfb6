"""``/bind <channel>`` and ``/unbind <channel>`` in a group: the Telegram half.

Telegram knows who administers a group and what the bot may do there; the core stores the
binding. So the adapter checks, and forwards the command to the core only when both hold:
- the sender is an administrator (or the creator) of the group;
- the bot is an administrator with the right to invite users (and to ban, for ``leave``).
Otherwise it answers itself, clearly. (The core's ``bind``/``unbind`` handlers store or drop
the ``ChannelBinding``; until they exist the core answers "unknown command".)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden

from core.commands.types import ChatKind, Reply, Request
from core.i18n import DEFAULT_LANGUAGE, N_, _, is_rtl, language_from_locale, use_language

from . import errors

log = logging.getLogger(__name__)
BIND_COMMANDS = frozenset({"bind", "unbind"})
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


def _reply(request: Request, text: str) -> list[Reply]:
    with use_language(language_from_locale(request.sender.locale) or DEFAULT_LANGUAGE) as language:
        return [Reply(text=_(text), language=language, rtl=is_rtl(language))]


async def check_bind(bot: Any, request: Request) -> list[Reply] | None:
    """None when the request may go to the core; else the adapter's own answer."""
    if request.chat.kind != ChatKind.GROUP:
        return _reply(request, N_("Send this command in the Telegram group you want to bind to a channel."))
    rights = await group_rights(bot, request.chat.chat_id, request.sender.user_id)
    if not rights.sender_is_admin:
        return _reply(request, N_("Only an administrator of this group can bind it to a channel."))
    if not (rights.bot_is_admin and rights.bot_can_invite):
        return _reply(
            request,
            N_(
                "I am not an administrator of this group. Make me an administrator with the rights "
                "“Invite users via link” and “Ban users”, then send the command again."
            ),
        )
    if not rights.bot_can_ban:
        log.warning("bot lacks the ban right in %s: leaving a channel will not remove members", request.chat.chat_id)
    return None

"""Opening and closing bound Telegram groups for a person: invite links in answers (``join``), and
taking a person out, shared by answers (``leave``, ``forget``) and pushes.

Access to a group is a single-use invite link valid ``INVITE_LIFETIME``. Taking it back removes the
person (ban, then unban: out, free to come back later). Taking it back for good (``close_invites``:
``forget``) bans until every link handed out earlier has expired instead, since Telegram lets a bot
revoke a link only by its URL, which is not kept: a banned person cannot join through one.
"""
from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton
from telegram.error import BadRequest, Forbidden

from core.messages.types import ChatAccess

from .render import url_button

log = logging.getLogger(__name__)

T = TypeVar("T")
INVITE_LIFETIME = dtm.timedelta(days=1)
# Past the last invite's expiry; Telegram reads a ban under 30 s or over 366 days as forever.
CLOSING_MARGIN = dtm.timedelta(minutes=5)

Call = Callable[[Callable[[], Awaitable[Any]], str], Awaitable[Any]]


async def _direct(make_call: Callable[[], Awaitable[T]], what: str) -> T:
    return await make_call()


async def take_back(bot: Bot, item: ChatAccess, user_id: int, call: Call = _direct) -> None:
    """Remove ``user_id`` from the item's group; ``call`` runs each request (retries, pacing)."""
    if item.close_invites:
        until = dtm.datetime.now(dtm.timezone.utc) + INVITE_LIFETIME + CLOSING_MARGIN
        await call(lambda: bot.ban_chat_member(chat_id=item.chat_id, user_id=user_id, until_date=until), "banChatMember")
        return
    await call(lambda: bot.ban_chat_member(chat_id=item.chat_id, user_id=user_id), "banChatMember")
    await call(lambda: bot.unban_chat_member(chat_id=item.chat_id, user_id=user_id, only_if_banned=True),
               "unbanChatMember")


async def apply(bot: Bot, user_id: int, access: list[ChatAccess],
                call: Call = _direct) -> list[list[InlineKeyboardButton]]:
    """Grant (a single-use invite link) or take back the bound groups of an answer; the invite
    buttons to show. A failure (the bot is not an administrator of the group, the group is gone)
    is logged and never stops the answer."""
    rows: list[list[InlineKeyboardButton]] = []
    for item in access:
        try:
            if item.grant:
                link = await call(
                    lambda item=item: bot.create_chat_invite_link(
                        chat_id=item.chat_id,
                        member_limit=1,
                        expire_date=dtm.datetime.now(dtm.timezone.utc) + INVITE_LIFETIME,
                        name=f"{item.channel_slug} {user_id}"[:32],
                    ),
                    "createChatInviteLink",
                )
                rows.append([url_button(item.title or item.channel_slug, link.invite_link)])
            else:
                await take_back(bot, item, user_id, call)
        except (BadRequest, Forbidden) as error:
            log.warning(
                "cannot %s chat %s (%s) for channel %s: %s — is the bot an administrator there, "
                "with the rights to invite and ban users?",
                "open" if item.grant else "close", item.chat_id, item.title, item.channel_slug, error,
            )
    return rows

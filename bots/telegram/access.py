"""Taking a person out of a bound Telegram group, shared by answers (``leave``, ``forget``) and pushes.

Access to a group is a single-use invite link valid ``INVITE_LIFETIME``. Taking it back removes the
person (ban, then unban: out, free to come back later). Taking it back for good (``close_invites``:
``forget``) bans until every link handed out earlier has expired instead, since Telegram lets a bot
revoke a link only by its URL, which is not kept: a banned person cannot join through one.
"""
from __future__ import annotations

import datetime as dtm
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot

from core.messages.types import ChatAccess

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

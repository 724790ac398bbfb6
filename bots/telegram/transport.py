"""Pushes to Telegram: the core's delivery engine hands over a rendered Reply and a target.

Rendering is the same as for answers (``render.py``: escaped HTML, split at 4096 UTF-16
units, the inline keyboard on the last message). Pacing and retries belong to the core;
this module only turns python-telegram-bot's errors into the core's (``errors.classify``).

A long reply is several messages: each accepted one is reported to the core's ``Progress``
before the next is sent, so a retry starts at the message that failed. A timeout may hide a
message Telegram did accept: that retry is the one case where this transport can send one
message twice, and it is logged as a transient error on the row.

A push goes out through ``Bot.do_api_request("sendMessage")``: the same request, errors and
timeouts as ``send_message``, without turning each answer into a ``telegram.Message`` (about a
tenth of a broadcast's CPU per message, for an object nobody reads): an answer without a
``message_id`` is still taken for a malformed one, and the push is tried again. With paid broadcast on
(``ALUMNI_TELEGRAM_PAID_BROADCAST``), every push carries ``allow_paid_broadcast``: Telegram then
accepts up to 1,000 messages a second from the bot and charges Stars beyond 30.
"""
from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bots.kit.refusals import Refusals
from core.messages.types import ChatAccess, Reply
from core.delivery import transport as core
from core.delivery.transport import Pace, Progress, Target, no_pace

from .access import take_back
from .errors import MALFORMED, classify, malformed, retry_after_seconds
from .render import Chunk, render

log = logging.getLogger(__name__)
MID_REPLY_RETRIES = 3
NO_PREVIEW = {"is_disabled": True}  # link_preview_options: pushes never show link previews
# do_api_request warns that send_message exists; it is used on purpose (see above).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def push_parameters(chat_id: int, chunk: Chunk, paid_broadcast: bool = False) -> dict[str, object]:
    """The sendMessage parameters of one chunk of a push (``chunk.message()`` in Bot API terms)."""
    parameters: dict[str, object] = {"chat_id": chat_id, "text": chunk.html, "parse_mode": "HTML",
                                     "link_preview_options": NO_PREVIEW}
    if chunk.markup is not None:
        parameters["reply_markup"] = chunk.markup
    if paid_broadcast:
        parameters["allow_paid_broadcast"] = True
    return parameters


class TelegramTransport:
    """Sends through a python-telegram-bot ``Bot`` (the Application's, or any initialized one)."""

    platform = "telegram"

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    async def send(self, target: Target, reply: Reply) -> None:
        await self.send_paced(target, reply, no_pace)

    async def send_paced(self, target: Target, reply: Reply, pace: Pace, progress: Progress | None = None) -> None:
        """Send the messages of the reply not yet out, waiting for the core's pace before each one."""
        progress = progress or Progress()
        chunks = render(reply)
        if not chunks:
            raise core.PermanentError("nothing to send")
        for index, chunk in progress.remaining(chunks):
            for attempt in range(MID_REPLY_RETRIES + 1):
                await pace()
                try:
                    sent = await self.bot.do_api_request(
                        "sendMessage", push_parameters(int(target.address), chunk, self.paid_broadcast))
                    if not isinstance(sent, dict) or "message_id" not in sent:  # not a Message: not sent
                        raise ValueError("the answer carries no message")
                    break
                except RetryAfter as error:
                    # Part of a long reply is out already: wait here, so its parts follow each
                    # other closely. (The first part's 429 goes to the core, which pauses everyone.)
                    if index == 0 or attempt == MID_REPLY_RETRIES:
                        raise classify(error) from error
                    await asyncio.sleep(retry_after_seconds(error))
                except TelegramError as error:
                    raise classify(error) from error
                except MALFORMED as error:
                    raise malformed(error) from error
            await progress.sent(index)

    async def apply_access(self, target: Target, access: list[ChatAccess], pace: Pace) -> None:
        """Take the person out of bound groups (``core.access``: ``forget`` typed on another platform),
        as answers do (``access.take_back``). Giving access needs a single-use invite in a message,
        which only an answer carries: not done here.
        A group where the bot lacks the right is reported (the row fails) once the others were done.
        """
        refused = Refusals()
        user_id = int(target.address)
        for item in access:
            if item.grant:
                log.info("telegram access rows only take back: %s left as is", item.channel_slug)
                continue
            try:
                await take_back(self.bot, item, user_id, self._paced(pace))
            except (BadRequest, Forbidden) as error:  # not an administrator there, the group is gone
                log.warning("cannot remove a member from chat %s (%s): %s", item.chat_id, item.channel_slug, error)
                refused.add(item.channel_slug, " ".join(str(error).split())[:100])
            except TelegramError as error:
                raise classify(error) from error
            except MALFORMED as error:
                raise malformed(error) from error
        refused.raise_any()

    @staticmethod
    def _paced(pace: Pace) -> Callable[[Callable[[], Awaitable[object]], str], Awaitable[object]]:
        async def call(make_call: Callable[[], Awaitable[object]], what: str) -> object:
            await pace()
            return await make_call()

        return call


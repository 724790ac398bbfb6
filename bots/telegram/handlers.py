"""Telegram updates -> core Requests; core Replies -> Telegram messages.

Addressing (``to_request``):
- private chats: every command (``/cmd`` or ``/cmd@thisbot``) and free text;
- groups: only ``/cmd@thisbot``, and messages that reply to one of the bot's own
  messages (a command without ``@`` or free text); chatter and ``/cmd@otherbot`` are ignored;
- button presses (callback queries): always, they are on the bot's own messages.
"""
from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update, User
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bots.kit.pipeline import Answer, Pipeline
from bots.kit.privacy import leaves_the_chat
from core.messages.types import Chat, ChatKind, Link, Reply, Request, Sender
from core.i18n import _, use_language

from . import access, bind, errors
from .render import NOOP_ACTION, Chunk, esc, render

log = logging.getLogger(__name__)
PLATFORM = "telegram"


# ---------------------------------------------------------------- Update -> Request


def sender_of(user: User) -> Sender:
    return Sender(platform=PLATFORM, user_id=str(user.id), display_name=user.full_name or None, locale=user.language_code)


def chat_of(chat: Any) -> Chat:
    if chat.type == ChatType.PRIVATE:
        kind = ChatKind.PRIVATE
    elif chat.type == ChatType.CHANNEL:
        kind = ChatKind.CHANNEL
    else:
        kind = ChatKind.GROUP
    return Chat(chat_id=str(chat.id), kind=kind, title=chat.title or None)


def parse_command(text: str, bot_username: str | None) -> tuple[str, str, bool] | None:
    """``/cmd@bot args`` -> (cmd, args, addressed_to_this_bot_explicitly); None when not a command
    or addressed to another bot."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, rest = text.partition(" ")
    if "\n" in head:  # "/cmd\nmore"
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    name, at, target = head[1:].partition("@")
    if not name:
        return None
    explicit = False
    if at:
        if not bot_username or target.lower() != bot_username.lower():
            return None
        explicit = True
    return name.lower(), rest.strip(), explicit


def replies_to_bot(message: Message, bot_id: int | None) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and bot_id is not None and replied.from_user.id == bot_id)


def to_request(update: Update, bot_username: str | None, bot_id: int | None) -> Request | None:
    """The core request for an update, or None when the bot must stay silent."""
    query = update.callback_query
    if query is not None:
        if not query.data or query.data == NOOP_ACTION:
            return None
        message = query.message
        if message is not None and message.chat is not None:
            chat = chat_of(message.chat)
        else:  # inline-mode message: answer in private
            chat = Chat(chat_id=str(query.from_user.id))
        return Request(sender=sender_of(query.from_user), chat=chat, action=query.data)

    message = update.message
    if message is None or message.from_user is None or message.text is None:
        return None  # edits, channel posts, service messages, stickers...
    if message.from_user.is_bot:
        return None
    text = message.text
    private = message.chat.type == ChatType.PRIVATE
    to_bot = replies_to_bot(message, bot_id)
    sender, chat = sender_of(message.from_user), chat_of(message.chat)
    if text.startswith("/"):
        parsed = parse_command(text, bot_username)
        if parsed is None:
            return None
        name, args, explicit = parsed
        if not (private or explicit or to_bot):
            return None
        return Request(sender=sender, chat=chat, command=name, args=args)
    if private or to_bot:
        return Request(sender=sender, chat=chat, text=text)
    return None


# ---------------------------------------------------------------- Replies -> messages


class Delivery:
    """Sends the replies to one request, with retries, edits and the 403 rule."""

    def __init__(self, bot: Any, service: Any, request: Request, carrier: Message | None = None) -> None:
        self.bot = bot
        self.service = service
        self.request = request
        self.carrier = carrier  # the message whose button was pressed, for edits
        self.sent: list[Message] = []

    def _target(self, reply: Reply) -> str:
        # Personal data asked for in a group goes to the person, not to the group.
        if leaves_the_chat(self.request, reply):
            return self.request.sender.user_id
        return self.request.chat.chat_id

    async def send_all(self, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self.send(reply)
            except errors.Unreachable:
                if leaves_the_chat(self.request, reply):
                    await self._say_private_only(reply)
                return
            except (BadRequest, Forbidden) as error:
                if isinstance(error, Forbidden) and leaves_the_chat(self.request, reply):
                    # Never started a private chat with the bot: the data stays unsent, and the group
                    # is told (without any of it) how to get it.
                    log.info("a private reply to %s could not be sent: %s", self.request.sender.user_id, error)
                    await self._say_private_only(reply)
                    continue
                # e.g. a private answer to someone who never opened a chat with the bot: skip this one reply
                log.warning("a reply to %s in chat %s was not delivered: %s",
                            self.request.sender.user_id, self.request.chat.chat_id, error)

    async def _say_private_only(self, reply: Reply) -> None:
        """In the group: personal answers go to a private chat only, here is how to open one."""
        with use_language(reply.language):
            text = _("I send personal answers only in a private chat. Open a chat with me, press Start, then ask again there.")
            label = _("Open a private chat")
        username = getattr(self.bot, "username", None)
        links = [Link(label, f"https://t.me/{username}")] if username else []
        note = Reply(text=text, links=links, language=reply.language, rtl=reply.rtl)
        try:
            await self.send(note)
        except (BadRequest, Forbidden, errors.Unreachable) as error:
            log.warning("could not tell chat %s to use a private chat: %s", self.request.chat.chat_id, error)

    async def send(self, reply: Reply) -> None:
        chat_id = self._target(reply)
        private_target = chat_id == self.request.sender.user_id or self.request.chat.kind == ChatKind.PRIVATE
        if private_target and errors.is_unreachable(self.request.sender.user_id):
            raise errors.Unreachable
        invites = await access.apply(self.bot, int(self.request.sender.user_id), reply.access,
                                     lambda make, what: errors.call_api(make, what=what))
        if invites and self.request.chat.kind != ChatKind.PRIVATE:
            # A single-use link posted in a group could be taken by anyone: it goes to the person.
            await self._send_invites_privately(invites)
            invites = []
        chunks = render(reply, extra_rows=invites)
        edit_first = reply.edit and self.carrier is not None and str(self.carrier.chat.id) == chat_id
        if reply.file is not None:
            await self._api(
                lambda: self.bot.send_document(
                    chat_id=chat_id,
                    document=InputFile(reply.file.content, filename=reply.file.filename),
                ),
                what="sendDocument",
                private_target=private_target,
            )
        for index, chunk in enumerate(chunks):
            if index == 0 and edit_first and await self._edit(chunk):
                continue
            message = await self._api(
                lambda chunk=chunk: self.bot.send_message(chat_id=chat_id, **chunk.message()),
                what="sendMessage",
                private_target=private_target,
            )
            self.sent.append(message)

    async def _send_invites_privately(self, rows: list[list[InlineKeyboardButton]]) -> None:
        user_id = self.request.sender.user_id
        if errors.is_unreachable(user_id):
            return
        titles = "\n".join(esc(row[0].text) for row in rows)
        try:
            await errors.call_api(
                lambda: self.bot.send_message(chat_id=user_id, text=titles, parse_mode=ParseMode.HTML,
                                              reply_markup=InlineKeyboardMarkup(rows)),
                what="sendMessage",
            )
        except Forbidden as error:  # never started a private chat with the bot
            log.info("cannot send an invite link to %s privately: %s", user_id, error)

    async def _edit(self, chunk: Chunk) -> bool:
        """Replace the carrier message; False when it cannot be edited (then a new message is sent)."""
        carrier = self.carrier
        assert carrier is not None
        try:
            await errors.call_api(
                lambda: self.bot.edit_message_text(chat_id=carrier.chat.id, message_id=carrier.message_id,
                                                   **chunk.message()),
                what="editMessageText",
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("could not edit message %s (%s); sending a new one", carrier.message_id, error)
            return False
        return True

    async def _api(self, make_call: Any, *, what: str, private_target: bool) -> Any:
        try:
            return await errors.call_api(make_call, what=what)
        except Forbidden as error:
            if private_target and errors.is_blocked(error):
                await errors.mark_unreachable(self.service, PLATFORM, self.request.sender.user_id)
                raise errors.Unreachable from error
            raise


# ---------------------------------------------------------------- PTB callbacks


def _service(context: ContextTypes.DEFAULT_TYPE) -> Any:
    return context.application.bot_data["service"]


def _pipeline(context: ContextTypes.DEFAULT_TYPE) -> Pipeline:
    """The application's pipeline: one update at a time per person and chat (updates are otherwise
    concurrent), the core's failures told to the person."""
    return context.application.bot_data["pipeline"]


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one handler: every message and button press comes through here."""
    bot = context.bot
    query = update.callback_query
    if query is not None:
        # Answer at once: the client shows a spinner until then. A failure here is not worth the update.
        try:
            await errors.call_api(lambda: query.answer(), what="answerCallbackQuery", attempts=2)
        except Exception as error:  # noqa: BLE001 - an old query (over 15 min) cannot be answered; go on
            log.info("answerCallbackQuery failed: %s", error)
    request = to_request(update, bot.username, bot.id)
    if request is None:
        return
    carrier = query.message if query is not None and isinstance(query.message, Message) else None

    async def rights(asked: Request) -> Request:
        # a button in a group may be a bind suggestion: the core needs the rights either way
        return await bind.with_group_rights(bot, asked)

    async def deliver(answer: Answer) -> None:
        await Delivery(bot, _service(context), answer.request, carrier).send_all(answer.replies)

    errors.mark_reachable(request.sender.user_id)
    await _pipeline(context).answer(request, deliver, rights)

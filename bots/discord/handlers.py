"""Interactions -> core Requests; core Replies -> interaction responses and follow-ups.

A slash command, a button press, a select choice or a direct message becomes one Request.
The first message answers the interaction (an edit of the pressed message when the core
asks for one), the others are follow-ups. Replies about personal data (``Reply.private``)
are ephemeral. An interaction must be answered within 3 seconds: when the core takes
longer than ``DEFER_AFTER`` the bot defers first and answers with follow-ups.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bots.kit.pipeline import Answer, Pipeline
from core.messages.types import Chat, ChatKind, Reply, Request, Sender

from . import access
from .render import Outgoing, render

log = logging.getLogger(__name__)
PLATFORM = "discord"
DEFER_AFTER = 2.0  # seconds; Discord drops an interaction not answered within 3
NO_MENTIONS = discord.AllowedMentions.none()
# Commands whose answers are about the person: deferred as ephemeral when deferral is needed.
PERSONAL = frozenset({"mydata", "forget", "link"})


def sender_of(user: discord.abc.User, locale: discord.Locale | None = None) -> Sender:
    return Sender(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=getattr(user, "display_name", None) or user.name or None,
        locale=locale.value if isinstance(locale, discord.Locale) else locale,
    )


def chat_of(interaction: discord.Interaction) -> Chat:
    channel = interaction.channel
    if interaction.guild_id is None:
        return Chat(chat_id=str(interaction.channel_id or interaction.user.id), kind=ChatKind.PRIVATE)
    name = getattr(channel, "name", None)
    return Chat(chat_id=str(interaction.channel_id), kind=ChatKind.GROUP, title=f"#{name}" if name else None)


def request_of(interaction: discord.Interaction, **fields: Any) -> Request:
    return Request(sender=sender_of(interaction.user, interaction.locale), chat=chat_of(interaction), **fields)


# ---------------------------------------------------------------- entry points


def _service(interaction: discord.Interaction) -> Any:
    return interaction.client.service  # type: ignore[attr-defined]


def _pipeline(client: Any) -> Pipeline:
    """The client's pipeline: one request at a time per person and chat, failures told."""
    return client.pipeline  # type: ignore[no-any-return]


def over_limit(interaction: discord.Interaction) -> bool:
    """The command limits would drop this interaction: no calls to Discord to prepare it."""
    return bool(_service(interaction).over_limit(request_of(interaction)))


async def on_command(interaction: discord.Interaction, name: str, args: str, **extra: Any) -> None:
    """A slash command (its options already joined into ``args``)."""
    request = request_of(interaction, command=name, args=args, **extra)
    await respond(interaction, request, ephemeral_defer=name in PERSONAL)


async def on_action(interaction: discord.Interaction, action: str) -> None:
    """A button press or a select choice: the core's action payload."""
    await respond(interaction, request_of(interaction, action=action), component=True)


async def on_direct_message(client: Any, message: discord.Message) -> None:
    """Free text in a DM: the answer to a running conversation (a country typed in full)."""
    if message.author.bot or message.guild is not None or not message.content:
        return
    request = Request(sender=sender_of(message.author), chat=Chat(str(message.channel.id), ChatKind.PRIVATE), text=message.content)

    async def deliver(answer: Answer) -> None:
        replies = answer.replies
        notes = await access.apply_access(client.http, message.author.id, [a for r in replies for a in r.access])
        for index, reply in enumerate(replies):
            for outgoing in render(reply, notes if index == len(replies) - 1 else None):
                await message.channel.send(**outgoing.send_kwargs(), allowed_mentions=NO_MENTIONS)

    await _pipeline(client).answer(request, deliver)


# ---------------------------------------------------------------- responding


async def respond(interaction: discord.Interaction, request: Request, *, component: bool = False,
                  ephemeral_defer: bool = False) -> None:
    task = asyncio.ensure_future(_pipeline(interaction.client).ask_in_turn(request))
    done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        try:
            if component:
                await interaction.response.defer()  # "updating the message"
            else:
                await interaction.response.defer(thinking=True, ephemeral=ephemeral_defer)
        except discord.HTTPException as error:
            log.info("could not defer interaction %s: %s", interaction.id, error)
    replies = (await task).replies  # a failure of the core is told, not left waiting
    notes = await access.apply_access(interaction.client.http, interaction.user.id, [a for r in replies for a in r.access])
    await Responder(interaction, component).send_all(replies, notes)


class Responder:
    """Sends the replies to one interaction: the response first, then follow-ups."""

    def __init__(self, interaction: discord.Interaction, component: bool) -> None:
        self.interaction = interaction
        self.component = component
        self._answered = False  # the first message may edit the pressed one; the others never do

    async def send_all(self, replies: list[Reply], notes: list[str] | None = None) -> None:
        if not replies and notes:
            replies = [Reply()]
        if not replies:
            await self.acknowledge_silently()
            return
        for index, reply in enumerate(replies):
            extra = notes if index == len(replies) - 1 else None
            for position, outgoing in enumerate(render(reply, extra)):
                try:
                    await self.send(outgoing, ephemeral=reply.private, edit=reply.edit and position == 0)
                except discord.HTTPException as error:
                    log.warning("a reply to interaction %s was not delivered: %s", self.interaction.id, error)

    async def acknowledge_silently(self) -> None:
        """Nothing to say (a request dropped by the command limits, a press that changes nothing):
        Discord still wants an answer. A press is acknowledged as it is; a command gets a private
        "thinking" note that is deleted at once, so nothing is left on anyone's screen."""
        response = self.interaction.response
        try:
            if self.component:
                if not response.is_done():
                    await response.defer()
                return
            if not response.is_done():
                await response.defer(ephemeral=True, thinking=True)
            await self.interaction.delete_original_response()
        except discord.HTTPException as error:
            log.info("could not acknowledge interaction %s: %s", self.interaction.id, error)

    async def send(self, outgoing: Outgoing, *, ephemeral: bool, edit: bool) -> None:
        """Edit the pressed message when asked (and possible), else answer or follow up."""
        interaction, response = self.interaction, self.interaction.response
        fields = outgoing.send_kwargs()
        first = not self._answered
        self._answered = True
        if edit and first and self.component and not ephemeral and "file" not in fields:
            fields.setdefault("view", None)  # an edit without components removes the old ones
            if not response.is_done():
                await response.edit_message(**fields, allowed_mentions=NO_MENTIONS)
                return
            if response.type is discord.InteractionResponseType.deferred_message_update:
                await interaction.edit_original_response(**fields, allowed_mentions=NO_MENTIONS)
                return
        if not response.is_done():
            await response.send_message(**fields, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(**fields, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)

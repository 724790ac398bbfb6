"""Slack payloads -> core Requests; core Replies -> Slack messages.

What reaches the core:
- ``/alumni <command> [args]`` anywhere (a first word that is not a command is free text, so
  "/alumni Tunisie" answers the country question);
- messages in the app's DM (``message.im``): "join tn", "/join tn" or free text;
- mentions of the app in a channel (``app_mention``): "@Alumni join tn";
- button presses and menu choices (``block_actions``) on the app's messages and Home tab.

Where answers go:
- answers to a slash command or a button use the interaction's ``response_url`` (works in
  any channel, even one the app is not in; ``replace_original`` edits the pressed message);
- answers to a DM or a mention are posted with ``chat.postMessage``;
- a ``private`` reply in a shared channel is ephemeral (only the person sees it), and files
  go to the person's DM with the app.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.kit.pipeline import Pipeline
from bots.kit.privacy import leaves_the_chat
from bots.kit.recent import RecentIds
from core.commands.registry import commands
from core.messages.types import Chat, ChatKind, Reply, Request, Sender
from core.i18n import _, use_language

from . import access, bind, errors, home
from .dms import DmChannels
from .profiles import Profile, Profiles
from .render import Message, code_block, esc, mrkdwn, render

log = logging.getLogger(__name__)
PLATFORM = "slack"
RESPONSE_URL_USES = 5  # Slack accepts five messages per response_url
SEEN_EVENTS = 2000  # event ids remembered against Slack's redeliveries
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


# ---------------------------------------------------------------- payload -> Request


def chat_kind(channel_id: str | None, app_dm: str | None) -> ChatKind:
    """Private only in the person's DM with the app; channels, group DMs and DMs between people are
    groups (someone else reads along, so personal answers there are ephemeral)."""
    if channel_id and channel_id == app_dm:
        return ChatKind.PRIVATE
    return ChatKind.GROUP


def parse_line(text: str) -> tuple[str | None, str, str | None]:
    """"join tn" / "/join tn" -> ("join", "tn", None); "Tunisie" -> (None, "", "Tunisie")."""
    stripped = text.strip()
    head, _sep, rest = stripped.partition(" ")
    if "\n" in head:
        head, _sep, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    name = head.lstrip("/").casefold()
    if name and (head.startswith("/") or name in commands()):
        return name, rest.strip(), None
    return None, "", stripped or None


def without_mentions(text: str) -> str:
    """The text of a mention with the app's (and anyone's) ``<@U…>`` removed."""
    return " ".join(_MENTION.sub(" ", text).split())


def sender_of(profile: Profile) -> Sender:
    return Sender(
        platform=PLATFORM,
        user_id=profile.user_id,
        display_name=profile.display_name,
        locale=profile.locale,
        timezone=profile.timezone,
    )


@dataclass
class Origin:
    """Where an interaction happened and how to answer it."""

    channel_id: str
    user_id: str
    kind: ChatKind
    response_url: str | None = None
    message_ts: str | None = None  # the message whose button was pressed
    thread_ts: str | None = None
    response_uses: int = 0


# ---------------------------------------------------------------- Replies -> messages


class Responder:
    """Sends the replies to one request: response_url first, Web API otherwise."""

    def __init__(self, client: AsyncWebClient, origin: Origin, request: Request) -> None:
        self.client = client
        self.origin = origin
        self.request = request
        self.dms = DmChannels(client)  # asked again per request: a DM Slack now refuses is noticed
        if origin.kind == ChatKind.PRIVATE:  # in a DM with the app, that DM is where files go
            self.dms.remember(origin.user_id, origin.channel_id)

    async def send_all(self, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self.send(reply)
            except SlackApiError as error:
                # One reply that Slack refuses (a channel the app is not in...) never stops the others.
                log.warning("a reply to %s in %s was not delivered: %s", self.origin.user_id, self.origin.channel_id,
                            errors.error_code(error) or error)

    async def send(self, reply: Reply) -> None:
        notes = await access.apply(self.client, self.origin.user_id, reply.access)
        with use_language(reply.language):
            messages = render(reply, placeholder=_("Choose…"), extra_blocks=None)
            if notes:
                messages = messages or [Message([], esc(reply.plain_text()) or "…")]
                messages[-1].blocks.extend(access.note_blocks(notes))
        if reply.file is not None:
            await self._send_file(reply)
        for index, message in enumerate(messages):
            await self._post(message, ephemeral=leaves_the_chat(self.request, reply), edit=reply.edit and index == 0)

    async def _post(self, message: Message, *, ephemeral: bool, edit: bool) -> None:
        """``ephemeral``: only the person sees it (a personal answer asked in a shared channel)."""
        origin = self.origin
        if origin.response_url and origin.response_uses < RESPONSE_URL_USES:
            origin.response_uses += 1
            body: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
            if edit and origin.message_ts:
                body["replace_original"] = True
            else:
                body["replace_original"] = False
                body["response_type"] = "ephemeral" if ephemeral else "in_channel"
            response = await AsyncWebhookClient(origin.response_url).send_dict(body)
            if response.status_code == 200:
                return
            log.info("response_url answered %s; posting through the Web API", response.status_code)
        if ephemeral:
            await self.client.chat_postEphemeral(channel=origin.channel_id, user=origin.user_id, text=message.text,
                                                 blocks=message.blocks, thread_ts=origin.thread_ts)
            return
        if edit and origin.message_ts:
            try:
                await self.client.chat_update(channel=origin.channel_id, ts=origin.message_ts, text=message.text,
                                              blocks=message.blocks)
                return
            except SlackApiError as error:
                log.info("chat.update failed (%s); posting a new message", errors.error_code(error))
        await self.client.chat_postMessage(channel=origin.channel_id, text=message.text, blocks=message.blocks,
                                           thread_ts=origin.thread_ts, unfurl_links=False, unfurl_media=False)

    async def _send_file(self, reply: Reply) -> None:
        """Files (personal data exports) go to the person's DM; a small text file is shown inline if
        the upload fails."""
        attachment = reply.file
        assert attachment is not None
        try:
            channel = await self.dms.open(self.origin.user_id)
            await self.client.files_upload_v2(channel=channel, content=attachment.content, filename=attachment.filename,
                                              title=attachment.filename)
            return
        except SlackApiError as error:
            log.info("file upload failed (%s); showing it inline", errors.error_code(error))
        blocks = code_block(attachment.filename, attachment.content)
        if blocks is None:
            with use_language(reply.language):
                blocks = [{"type": "section", "text": mrkdwn(esc(_("The file is too large to show here.")))}]
        shared = self.origin.kind != ChatKind.PRIVATE  # the file is personal: never shown to a channel
        await self._post(Message(blocks, esc(attachment.filename)), ephemeral=shared, edit=False)


# ---------------------------------------------------------------- the adapter


@dataclass
class Adapter:
    """Everything the listeners share: the core service, the Web API client, the profile cache."""

    service: Any
    client: AsyncWebClient
    profiles: Profiles
    _events: RecentIds[str] = field(default_factory=lambda: RecentIds(SEEN_EVENTS))
    dms: DmChannels = field(init=False)  # each person's DM with the app, remembered
    pipeline: Pipeline = field(init=False)  # one request at a time per person and channel; failures told
    home_tab: home.HomeTab = field(init=False)  # the Home tabs published, redone after a member's requests

    def __post_init__(self) -> None:
        self.pipeline = Pipeline(self.service)
        self.dms = DmChannels(self.client)
        self.home_tab = home.HomeTab(self.service, self.client, self.profiles)

    def seen(self, event_id: str | None) -> bool:
        """True for an event already handled: Slack delivers an event again when it doubts the first
        delivery arrived, and a message must not be answered (or a join done) twice."""
        return bool(event_id) and not self._events.first_time(str(event_id))

    async def app_dm(self, user_id: str) -> str | None:
        """The person's DM with the app, or None if Slack refuses to open it."""
        return await self.dms.find(user_id)

    def remember_dm(self, user_id: str, channel_id: str) -> None:
        """A ``message.im`` event names the person's DM with the app: no need to ask."""
        self.dms.remember(user_id, channel_id)

    async def kind_of(self, channel_id: str, user_id: str) -> ChatKind:
        """Where a slash command or a button press happened. Only a "D…" channel can be the app's DM;
        which one it is, ``conversations.open`` says."""
        if not channel_id.startswith("D"):
            return ChatKind.GROUP
        return chat_kind(channel_id, await self.app_dm(user_id))

    async def request_for(self, origin: Origin, *, command: str | None = None, args: str = "",
                          text: str | None = None, action: str | None = None, title: str | None = None) -> Request:
        profile = await self.profiles.get(origin.user_id)
        return Request(
            sender=sender_of(profile),
            chat=Chat(chat_id=origin.channel_id, kind=origin.kind, title=title),
            command=command,
            args=args,
            text=text,
            action=action,
        )

    async def handle(self, origin: Origin, request: Request, *, retry_as_command: bool = False) -> list[Reply]:
        """Run one request through the core (one at a time per person and channel) and answer it."""
        async with self.pipeline.turn(request):
            answer = await self.pipeline.ask(request, self.with_rights)
            if not answer.replies and retry_as_command and request.text:
                # "/alumni jion" in a channel: not an answer to anything, so say it is an unknown command
                name, _sep, rest = request.text.partition(" ")
                answer = await self.pipeline.ask(replace(request, command=name, args=rest, text=None))
            await Responder(self.client, origin, answer.request).send_all(answer.replies)
        if answer.replies:  # nothing said, nothing changed (a request dropped by the command limits): no Home to redo
            await self.home_tab.refresh(origin.user_id)
        return answer.replies

    async def with_rights(self, request: Request) -> Request:
        """The sender's and the app's rights in the channel, for the core's bind rule."""
        return await bind.with_channel_rights(self.client, self.profiles, request)

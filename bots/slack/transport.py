"""``SlackTransport``: how the core's delivery engine sends a reply on Slack.

A person is written to in their DM with the app (``conversations.open``, remembered per
process), a channel with ``chat.postMessage``. Block Kit rendering is the same as for
answers (``render``), so pushes are escaped the same way. slack_sdk's own retry handlers
are off: every failure is reported as a ``core.delivery.transport`` error and the engine
decides when to try again (429 -> ``RetryAfter`` with Slack's ``Retry-After``). One HTTP
session serves every push; ``close()`` ends it (the runner does, when the app stops).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.commands.types import ChatAccess, Reply
from core.config import Settings
from core.delivery.transport import PermanentError, Target
from core.i18n import _, use_language

from . import access as access_rules
from . import errors
from .application import DEFAULT_BASE_URL
from .render import code_block, esc, render

PLATFORM = "slack"
log = logging.getLogger(__name__)
Pace = Callable[[], Awaitable[None]]


class SlackTransport:
    platform = PLATFORM

    def __init__(self, token: str, *, base_url: str | None = None, client: AsyncWebClient | None = None,
                 timeout: int = 15) -> None:
        self.client = client or AsyncWebClient(token=token, base_url=base_url or DEFAULT_BASE_URL, timeout=timeout,
                                               retry_handlers=[])
        self._dms: dict[str, str] = {}
        self._own_session = client is None

    async def _connect(self) -> None:
        """One HTTP session for every push (keep-alive), opened on first use inside the running loop."""
        if self._own_session and (self.client.session is None or self.client.session.closed):
            self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))

    async def close(self) -> None:
        if self._own_session and self.client.session is not None and not self.client.session.closed:
            await self.client.session.close()

    @classmethod
    def from_settings(cls, settings: Settings) -> "SlackTransport":
        """The transport for ``SLACK_BOT_TOKEN`` and ``SLACK_API_URL``."""
        return cls(settings.slack_bot_token or "", base_url=settings.slack_api_url)

    async def send(self, target: Target, reply: Reply) -> None:
        to_person = not target.to_chat
        await self._connect()
        try:
            channel = await self._dm(target.address) if to_person else target.address
            with use_language(reply.language):
                messages = render(reply, placeholder=_("Choose…"))
            if reply.file is not None:
                await self._send_file(channel, reply)
            for message in messages:
                await self.client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks,
                                                   unfurl_links=False, unfurl_media=False)
        except Exception as error:  # noqa: BLE001 - every failure becomes a delivery error
            raise errors.classify(error, to_person=to_person) from error

    async def apply_access(self, target: Target, access: list[ChatAccess], pace: Pace) -> None:
        """Invite to or remove from bound Slack channels (``core.access``: ``forget`` typed on another
        platform). Already in (or out) is done; a channel where the app may not do it is reported
        (the row fails) once the others were done; transient trouble retries the whole row later."""
        await self._connect()
        refused: list[str] = []
        for item in access:
            await pace()
            try:
                if item.grant:
                    await self.client.conversations_invite(channel=item.chat_id, users=target.address)
                else:
                    await self.client.conversations_kick(channel=item.chat_id, user=target.address)
            except Exception as error:  # noqa: BLE001 - every failure becomes a delivery error
                code = errors.error_code(error) if isinstance(error, SlackApiError) else ""
                if code and code in (access_rules.ALREADY_IN if item.grant else access_rules.ALREADY_OUT):
                    continue
                mapped = errors.classify(error, to_person=False)
                if not isinstance(mapped, PermanentError):
                    raise mapped from error
                log.warning("cannot change Slack channel %s (%s) for a member: %s", item.chat_id, item.channel_slug, code)
                refused.append(f"{item.channel_slug}: {code or mapped}")
        if refused:
            raise PermanentError("; ".join(refused)[:300])

    async def _dm(self, user_id: str) -> str:
        channel = self._dms.get(user_id)
        if channel is None:
            response = await self.client.conversations_open(users=user_id)
            channel = str(response["channel"]["id"])
            self._dms[user_id] = channel
        return channel

    async def _send_file(self, channel: str, reply: Reply) -> None:
        attachment = reply.file
        assert attachment is not None
        try:
            await self.client.files_upload_v2(channel=channel, content=attachment.content,
                                              filename=attachment.filename, title=attachment.filename)
        except SlackApiError as error:
            blocks = code_block(attachment.filename, attachment.content)
            if blocks is None or not isinstance(errors.classify(error, to_person=False), PermanentError):
                raise  # too big to show, or worth retrying later: the engine decides
            await self.client.chat_postMessage(channel=channel, text=esc(attachment.filename), blocks=blocks)

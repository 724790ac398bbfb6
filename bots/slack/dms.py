"""Each person's DM with the app, as the answers, the forms and the pushes all need it.

``conversations.open`` names it; the answer is remembered (a bounded number of people), and a
``message.im`` event names it without asking. One place for the three users of it: the answers
(files go to the DM), the Home tab and forms (answers go to the DM), the delivery transport.
"""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from . import errors

log = logging.getLogger(__name__)
REMEMBERED = 2000  # people whose DM is remembered; past that the memory starts again


class DmChannels:
    """User id -> their DM channel with the app, asked of Slack once."""

    def __init__(self, client: AsyncWebClient, remembered: int = REMEMBERED) -> None:
        self.client = client
        self.remembered = remembered
        self._channels: dict[str, str] = {}

    def remember(self, user_id: str, channel_id: str) -> None:
        if len(self._channels) >= self.remembered and user_id not in self._channels:
            self._channels.clear()
        self._channels[user_id] = channel_id

    async def open(self, user_id: str) -> str:
        """The DM's channel id; Slack's refusal (or a malformed answer) is raised."""
        channel = self._channels.get(user_id)
        if channel is None:
            response = await self.client.conversations_open(users=user_id)
            channel = str(response["channel"]["id"])
            self.remember(user_id, channel)
        return channel

    async def find(self, user_id: str) -> str | None:
        """The DM's channel id, or None when Slack refuses to open it (logged)."""
        try:
            return await self.open(user_id)
        except SlackApiError as error:
            log.info("conversations.open %s: %s", user_id, errors.error_code(error))
            return None

"""``/alumni bind <channel>`` and ``/alumni unbind``: the Slack half of binding a channel.

Slack knows who administers the workspace and whether the app is in the channel; the core
decides and stores the ``ChannelBinding``. So for these two commands (and for presses in a channel,
which may be bind suggestions: the kit's rule, ``bots/kit/binding.py``) the adapter asks Slack:
- ``chat_admin``: the sender is a workspace admin or owner (``users.info``, asked fresh);
- ``bot_can_invite``: the app is a member of the channel (``conversations.info`` →
  ``is_member``), which ``conversations.invite`` needs;
and hands both to the core on the Request. The core decides and answers (refusals included),
and stores the binding with the channel's name as its title.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.messages.types import Request

from . import errors
from .profiles import Profiles

log = logging.getLogger(__name__)


async def channel_facts(client: AsyncWebClient, channel_id: str) -> tuple[bool, str | None]:
    """(the app is a member, the channel's name) from ``conversations.info``."""
    try:
        response = await client.conversations_info(channel=channel_id)
    except SlackApiError as error:  # a private channel the app is not in is "channel_not_found"
        log.info("conversations.info %s: %s", channel_id, errors.error_code(error))
        return False, None
    channel = response.get("channel") or {}
    return bool(channel.get("is_member")), (str(channel["name"]) if channel.get("name") else None)


async def with_channel_rights(client: AsyncWebClient, profiles: Profiles, request: Request) -> Request:
    """The request with the sender's and the app's rights filled in (asked for the requests the kit
    names, ``bots/kit/binding.py``: bind, unbind and presses in a channel)."""
    profile = await profiles.get(request.sender.user_id, fresh=True)
    in_channel, name = await channel_facts(client, request.chat.chat_id)
    # The binding's title: the channel's real name (slash commands say "privategroup" for private ones).
    chat = replace(request.chat, title=f"#{name}") if name else request.chat
    return replace(request, chat=chat, chat_admin=profile.is_admin, bot_can_invite=in_channel)

"""``/alumni bind <channel>`` and ``/alumni unbind``: the Slack half of binding a channel.

Slack knows who administers the workspace and whether the app is in the channel; the core
decides and stores the ``ChannelBinding``. So for these two commands the adapter asks Slack:
- ``chat_admin``: the sender is a workspace admin or owner (``users.info``, asked fresh);
- ``bot_can_invite``: the app is a member of the channel (``conversations.info`` →
  ``is_member``), which ``conversations.invite`` needs;
and hands both to the core on the Request (the core's bind contract).
"""
from __future__ import annotations

import logging
from dataclasses import fields, replace
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from core.commands.types import ChatKind, Reply, Request
from core.i18n import DEFAULT_LANGUAGE, N_, _, is_rtl, language_from_locale, use_language

from . import errors

if TYPE_CHECKING:
    from .handlers import Adapter

log = logging.getLogger(__name__)
BIND_COMMANDS = frozenset({"bind", "unbind"})


def core_has_bind_contract() -> bool:
    """True once the core's Request carries ``chat_admin`` and ``bot_can_invite``."""
    return {"chat_admin", "bot_can_invite"} <= {f.name for f in fields(Request)}


async def app_in_channel(adapter: "Adapter", channel_id: str) -> bool:
    try:
        response = await adapter.client.conversations_info(channel=channel_id)
    except SlackApiError as error:  # a private channel the app is not in is "channel_not_found"
        log.info("conversations.info %s: %s", channel_id, errors.error_code(error))
        return False
    return bool((response.get("channel") or {}).get("is_member"))


async def prepare(adapter: "Adapter", request: Request) -> Request:
    """The request with the sender's and the app's rights filled in, for bind/unbind in a channel."""
    if request.command not in BIND_COMMANDS or request.chat.kind == ChatKind.PRIVATE or not core_has_bind_contract():
        return request
    profile = await adapter.profiles.get(request.sender.user_id, fresh=True)
    in_channel = await app_in_channel(adapter, request.chat.chat_id)
    return replace(request, chat_admin=profile.is_admin, bot_can_invite=in_channel)  # type: ignore[call-arg]


def _reply(request: Request, text: str) -> list[Reply]:
    with use_language(language_from_locale(request.sender.locale) or DEFAULT_LANGUAGE) as language:
        return [Reply(text=_(text), language=language, rtl=is_rtl(language))]


async def check(adapter: "Adapter", request: Request) -> list[Reply] | None:
    """The adapter's own answer while the core has no bind contract; None otherwise (the core answers)."""
    if request.command not in BIND_COMMANDS or core_has_bind_contract():
        return None
    if request.chat.kind == ChatKind.PRIVATE:
        return _reply(request, N_("Send this command in the Slack channel you want to bind to a channel."))
    profile = await adapter.profiles.get(request.sender.user_id, fresh=True)
    if not profile.is_admin:
        return _reply(request, N_("Only a workspace admin can bind a Slack channel to a channel."))
    if not await app_in_channel(adapter, request.chat.chat_id):
        return _reply(request, N_("Add me to this channel first (/invite @Alumni), then send the command again."))
    return None

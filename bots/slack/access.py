"""Giving and taking access to bound Slack channels (``ChatAccess`` items of join/leave replies).

Joining a core channel invites the person into each Slack channel bound to it
(``conversations.invite``; the app must be a member of that channel). Leaving removes them
(``conversations.kick``), which Slack allows an app only in some workspaces and never in
#general: when it cannot, the person gets a clear note telling them to leave it themselves.
A failure never stops the reply.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.messages.types import ChatAccess
from core.i18n import _

from . import errors
from .render import Block, esc, mrkdwn

log = logging.getLogger(__name__)
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,30}$")
# Outcomes that already are what we wanted.
ALREADY_IN = frozenset({"already_in_channel"})
ALREADY_OUT = frozenset({"not_in_channel", "user_not_found"})


@dataclass(frozen=True, slots=True)
class Outcome:
    item: ChatAccess
    done: bool
    reason: str = ""


def channel_mention(item: ChatAccess) -> str:
    """``<#C123>`` (Slack shows the channel's name and links it) when the id is a plain channel id,
    else the stored title, escaped."""
    if _CHANNEL_ID.match(item.chat_id):
        return f"<#{item.chat_id}>"
    return esc(item.title or item.channel_slug)


async def apply(client: AsyncWebClient, user_id: str, items: list[ChatAccess]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for item in items:
        try:
            if item.grant:
                await client.conversations_invite(channel=item.chat_id, users=user_id)
            else:
                await client.conversations_kick(channel=item.chat_id, user=user_id)
            outcomes.append(Outcome(item, True))
        except SlackApiError as error:
            code = errors.error_code(error)
            if code in (ALREADY_IN if item.grant else ALREADY_OUT):
                outcomes.append(Outcome(item, True))
                continue
            log.warning("cannot %s %s in Slack channel %s (%s): %s", "invite" if item.grant else "remove",
                        user_id, item.chat_id, item.channel_slug, code or error)
            outcomes.append(Outcome(item, False, code))
    return outcomes


def note_blocks(outcomes: list[Outcome]) -> list[Block]:
    """One context line per bound channel: where they now are, or what to do themselves."""
    lines: list[str] = []
    for outcome in outcomes:
        where = channel_mention(outcome.item)
        if outcome.item.grant:
            if outcome.done:
                lines.append(esc(_("You are now in the Slack channel {channel}.")).format(channel=where))
            else:
                lines.append(esc(_("I could not add you to the Slack channel {channel}: ask a workspace admin to invite "
                                   "you, or to add me to that channel.")).format(channel=where))
        else:
            if outcome.done:
                lines.append(esc(_("You have been removed from the Slack channel {channel}.")).format(channel=where))
            else:
                lines.append(esc(_("I am not allowed to remove you from the Slack channel {channel}: leave it "
                                   "yourself from the channel's menu.")).format(channel=where))
    if not lines:
        return []
    return [{"type": "context", "elements": [mrkdwn(line)]} for line in lines]

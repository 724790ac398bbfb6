"""The draft of an announcement, shared by the chat flow (``announce``) and its dialogs
(``announce_form``): it lives in the conversation row, so it survives restarts, and a form that
was filled in becomes the same draft the chat flow confirms."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from core.channels import THEMES
from core.commands.context import Context
from core.i18n import SUPPORTED_LANGUAGES, _, current_language
from core.memberships import channel_title

FLOW = "announce"


async def open_draft(ctx: Context) -> dict[str, Any] | None:
    """The draft of the announcement being written in this chat, or None when none is open."""
    conversation = await ctx.conversation()
    if conversation is None or conversation.flow != FLOW:
        return None
    return dict(conversation.data or {})


async def save_draft(ctx: Context, step: str, draft: dict[str, Any]) -> None:
    await ctx.set_conversation(FLOW, step, draft)


async def say_expired(ctx: Context) -> None:
    ctx.reply(_("This announcement draft is no longer open. Send {hint} to start again.").format(hint=ctx.hint("announce")))


def sender_language(ctx: Context) -> str:
    return ctx.member.language if ctx.member.language in SUPPORTED_LANGUAGES else current_language()


def send_at_of(draft: dict[str, Any]) -> datetime | None:
    value = draft.get("send_at")
    return datetime.fromisoformat(value) if value else None


def refusal_text(slug: str | None) -> str:
    """Why the sender may not announce to ``slug`` (or anywhere, for None)."""
    if slug in THEMES:
        return _("You cannot announce to the {channel} channel: only the administrators can.").format(channel=channel_title(slug))
    if slug:
        return _(
            "You cannot announce to the {channel} channel: only the ambassadors of its country "
            "and the administrators can."
        ).format(channel=channel_title(slug))
    return _("Only ambassadors and administrators can send announcements.")

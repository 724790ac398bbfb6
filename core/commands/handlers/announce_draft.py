"""The draft of an announcement, shared by the chat flow (``announce``) and its dialogs
(``announce_form``): it lives in the conversation row, so it survives restarts, and a form that
was filled in becomes the same draft the chat flow confirms."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from core.announcements.planning import count_recipients
from core.channels import THEMES
from core.commands.context import Context
from core.db.models import Channel
from core.i18n import SUPPORTED_LANGUAGES, _, current_language, ngettext
from core.i18n.formatting import format_datetime
from core.i18n.sentences import join_sentences
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


async def reach_summary(ctx: Context, draft: dict[str, Any], channel: Channel) -> str:
    """Under the preview: how many people the announcement will reach, and when, if scheduled."""
    count = await count_recipients(ctx.session, channel.id)
    summary = ngettext(
        "Above, each version as its readers will see it. It will reach {count} recipient.",
        "Above, each version as its readers will see it. It will reach {count} recipients.",
        count,
    ).format(count=count)
    send_at = send_at_of(draft)
    if send_at is not None:
        summary = join_sentences(summary, _("It will go out on {time}.").format(time=format_datetime(send_at, ctx.member.timezone)))
    return summary


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

"""The sender's report: how their announcement went, or why it stopped.

One push per announcement (outbox key ``announcement-report:{id}``), in the sender's language:
after every row settled; after a cancel, how many were delivered before the stop; when it fell
due and the sender no longer had the right to announce there, that nothing went out.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import Reply
from core.db.models import Announcement, Channel, Member
from core.delivery.outbox import enqueue
from core.delivery.payload import reply_to_json
from core.delivery.recipients import push_identities
from core.i18n import _, is_rtl, use_language
from core.memberships import channel_title

from .planning import progress


def _lines(counts: dict[str, int], channel: str, *, cancelled: bool) -> list[str]:
    # One figure per line, each with its label: no plural agreement to get wrong ("1 envoyés").
    stopped = counts.get("cancelled", 0) + counts.get("skipped", 0)
    if cancelled:
        lines = [
            _("Your announcement to the {channel} channel was cancelled.").format(channel=channel),
            _("Delivered before the stop: {count}").format(count=counts["sent"]),
        ]
    else:
        lines = [
            _("Your announcement to the {channel} channel has gone out.").format(channel=channel),
            _("Delivered: {count}").format(count=counts["sent"]),
        ]
    if cancelled or stopped:
        lines.append(_("Not sent: {count}").format(count=stopped))
    lines.append(_("Failed: {count}").format(count=counts["failed"]))
    lines.append(_("Unreachable: {count}").format(count=counts["unreachable"]))
    return lines


def report_reply(
    counts: dict[str, int], channel_slug: str, language: str | None, *, cancelled: bool = False, refused: bool = False
) -> Reply:
    """The report in the sender's ``language``: figures, after a cancel the ones before the stop."""
    with use_language(language) as chosen:
        channel = channel_title(channel_slug)
        if refused:
            lines = [_(
                "Your announcement to the {channel} channel was not sent: when it fell due, "
                "you no longer had the right to announce to that channel."
            ).format(channel=channel)]
        elif cancelled and not any(counts.values()):
            lines = [_("Your announcement to the {channel} channel was cancelled before it went out.").format(channel=channel)]
        else:
            lines = _lines(counts, channel, cancelled=cancelled)
        return Reply(text="\n".join(lines), title=_("Announcement report"), language=chosen, rtl=is_rtl(chosen))


async def enqueue_report(session: AsyncSession, announcement_id: int) -> None:
    """Queue the report to the sender (a member on a reachable identity; the command line has
    ``alumni announce status``). Idempotent: the outbox key is the announcement's."""
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or announcement.sender_id is None:
        return
    sender = await session.get(Member, announcement.sender_id)
    identity = (await push_identities(session, [announcement.sender_id])).get(announcement.sender_id)
    if sender is None or identity is None:
        return
    slug = await session.scalar(select(Channel.slug).where(Channel.id == announcement.channel_id)) or ""
    counts = await progress(session, announcement_id)
    reply = report_reply(
        counts, slug, sender.language,
        cancelled=announcement.cancelled_at is not None, refused=announcement.status == "refused",
    )
    await enqueue(
        session,
        key=f"announcement-report:{announcement_id}",
        kind="report",
        platform=identity.platform,
        target=identity.user_id,
        member_id=sender.id,
        identity_id=identity.id,
        announcement_id=announcement_id,
        payload={"reply": reply_to_json(reply)},
    )

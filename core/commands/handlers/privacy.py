"""``mydata`` and ``forget``: a member's right to see and to erase what we store."""
from __future__ import annotations

import json
import secrets

from sqlalchemy import select, update

from core.commands.context import Context
from core.commands.registry import command
from core.commands.types import ChatAccess, FileAttachment
from core.db.models import Announcement, Channel, ChannelBinding, Delivery, Identity, Member, Membership, RoleGrant, Rsvp
from core.events.rsvp import withdraw_member
from core.i18n import N_, _


async def member_data(ctx: Context) -> dict[str, object]:
    """Everything stored about the member, in one JSON-ready structure."""
    session, member = ctx.session, ctx.member
    identities = await session.scalars(select(Identity).where(Identity.member_id == member.id).order_by(Identity.id))
    memberships = await session.execute(
        select(Channel.slug, Membership.joined_at, Membership.muted)
        .join(Membership, Membership.channel_id == Channel.id)
        .where(Membership.member_id == member.id)
        .order_by(Channel.slug)
    )
    roles = await session.scalars(select(RoleGrant).where(RoleGrant.member_id == member.id).order_by(RoleGrant.id))
    rsvps = await session.scalars(select(Rsvp).where(Rsvp.member_id == member.id).order_by(Rsvp.event_id))
    announcements = await session.execute(
        select(Announcement, Channel.slug)
        .join(Channel, Channel.id == Announcement.channel_id)
        .where(Announcement.sender_id == member.id)
        .order_by(Announcement.id)
    )
    deliveries = await session.scalars(
        select(Delivery).where(Delivery.member_id == member.id, Delivery.kind != "report").order_by(Delivery.id)
    )
    return {
        "member": {
            "id": member.id,
            "language": member.language,
            "country": member.country_code,
            "timezone": member.timezone,
            "reminder_offsets_minutes": member.reminder_offsets,
            "created_at": member.created_at.isoformat(),
        },
        "identities": [
            {
                "platform": i.platform,
                "user_id": i.user_id,
                "display_name": i.display_name,
                "platform_locale": i.platform_locale,
                "first_seen": i.created_at.isoformat(),
            }
            for i in identities
        ],
        "channels": [{"channel": slug, "joined_at": at.isoformat(), "muted": muted} for slug, at, muted in memberships],
        "roles": [{"role": r.role, "country": r.country_code or None} for r in roles],
        "event_answers": [
            {"event": r.event_id, "answer": r.answer, "waiting_list": r.waitlisted, "answered_at": r.answered_at.isoformat()}
            for r in rsvps
        ],
        "announcements_sent": [
            {"id": a.id, "channel": slug, "texts": a.texts, "send_at": a.send_at.isoformat()} for a, slug in announcements
        ],
        "messages_to_you": [
            {"kind": d.kind, "platform": d.platform, "status": d.status, "due_at": d.due_at.isoformat(),
             "sent_at": d.sent_at.isoformat() if d.sent_at else None}
            for d in deliveries
        ],
    }


@command("mydata", N_("Get a copy of everything I store about you"))
async def mydata(ctx: Context, args: str) -> None:
    data = json.dumps(await member_data(ctx), ensure_ascii=False, indent=2).encode()
    ctx.reply(
        _("Here is everything I store about you."),
        file=FileAttachment("alumni-mydata.json", data, "application/json"),
        private=True,
    )


@command("forget", N_("Erase everything I store about you"))
async def forget(ctx: Context, args: str) -> None:
    conversation = await ctx.conversation()
    pending = conversation.data.get("nonce") if conversation is not None and conversation.flow == "forget" else None
    if args == "no":
        await ctx.end_conversation()
        ctx.reply(_("Nothing was erased."), private=True, edit=ctx.pressed)
        return
    if args.startswith("yes-"):
        if pending is None or not secrets.compare_digest(args[4:], str(pending)):
            ctx.reply(_("This confirmation has expired. Send {hint} again.").format(hint=ctx.hint("forget")), private=True)
            return
        access = await _all_access(ctx)
        await withdraw_member(ctx.session, ctx.member.id)  # their places go to the waiting lists
        # Announcements they sent stay with their channel, without their name.
        await ctx.session.execute(
            update(Announcement).where(Announcement.sender_id == ctx.member.id).values(sender_name="", sender_id=None)
        )
        await ctx.session.delete(ctx.member)
        await ctx.session.flush()
        ctx.reply(_("Done: everything I knew about you is erased. Goodbye!"), private=True, edit=ctx.pressed, access=access)
        return
    nonce = secrets.token_hex(4)
    await ctx.set_conversation("forget", "confirm", {"nonce": nonce})
    ctx.reply(
        _("This erases your profile, your linked accounts, your channels, your roles and your answers to events. It cannot be undone. Are you sure?"),
        buttons=[
            [await ctx.button(_("Yes, erase everything"), "forget", f"yes-{nonce}")],
            [await ctx.button(_("Cancel"), "forget", "no")],
        ],
        private=True,
    )


async def _all_access(ctx: Context) -> list[ChatAccess]:
    """Every bound chat the member entered through us on this platform: taken back on erasure."""
    rows = await ctx.session.execute(
        select(Channel.slug, ChannelBinding)
        .join(Membership, Membership.channel_id == Channel.id)
        .join(ChannelBinding, ChannelBinding.channel_id == Channel.id)
        .where(Membership.member_id == ctx.member.id, ChannelBinding.platform == ctx.platform)
    )
    return [ChatAccess(slug, b.chat_id, False, b.title, dict(b.data or {})) for slug, b in rows]

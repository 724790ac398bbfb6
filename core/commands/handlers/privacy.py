"""``mydata`` and ``forget``: a member's right to see and to erase what we store."""
from __future__ import annotations

import json
import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, or_, select, update

from core import audit, linking
from core.access import enqueue_revocations, revocation_rows, taken_back_on
from core.announcements.cancel import cancel_announcement
from core.announcements.rights import may_announce
from core.commands.context import Context
from core.commands.registry import command
from core.messages.types import FileAttachment
from core.db.models import (
    Announcement,
    Channel,
    ChannelBinding,
    Conversation,
    Delivery,
    Event,
    Identity,
    LinkCode,
    Membership,
    RoleGrant,
    Rsvp,
    StoredAction,
)
from core.events.rsvp import withdraw_member
from core.i18n import N_, _


async def member_data(ctx: Context) -> dict[str, object]:
    """Everything stored about the member, in one JSON-ready structure.

    Every table with a column pointing at the member or at one of their identities appears
    here (tests/test_privacy.py checks it against the schema): a new table must be added.
    """
    session, member = ctx.session, ctx.member
    identities = list(await session.scalars(select(Identity).where(Identity.member_id == member.id).order_by(Identity.id)))
    identity_ids = [i.id for i in identities]
    memberships = await session.execute(
        select(Channel.slug, Membership.joined_at, Membership.muted)
        .join(Membership, Membership.channel_id == Channel.id)
        .where(Membership.member_id == member.id)
        .order_by(Channel.slug)
    )
    roles = await session.scalars(select(RoleGrant).where(RoleGrant.member_id == member.id).order_by(RoleGrant.id))
    rsvps = await session.scalars(select(Rsvp).where(Rsvp.member_id == member.id).order_by(Rsvp.event_id))
    events = await session.scalars(select(Event).where(Event.created_by == member.id).order_by(Event.id))
    announcements = await session.execute(
        select(Announcement, Channel.slug)
        .join(Channel, Channel.id == Announcement.channel_id)
        .where(Announcement.sender_id == member.id)
        .order_by(Announcement.id)
    )
    deliveries = await session.scalars(
        select(Delivery).where(_addressed_to(member.id, identities)).order_by(Delivery.id)
    )
    conversations = await session.scalars(
        select(Conversation).where(Conversation.identity_id.in_(identity_ids)).order_by(Conversation.id)
    )
    codes = await session.scalars(select(LinkCode).where(LinkCode.member_id == member.id).order_by(LinkCode.id))
    attempts = await linking.attempts_of(session, [(i.platform, i.user_id) for i in identities])
    buttons = await session.scalars(
        select(StoredAction).where(StoredAction.member_id == member.id).order_by(StoredAction.created_at)
    )
    bindings = await session.execute(
        select(ChannelBinding, Channel.slug)
        .join(Channel, Channel.id == ChannelBinding.channel_id)
        .where(or_(ChannelBinding.requested_by == member.id, ChannelBinding.approved_by == member.id))
        .order_by(ChannelBinding.id)
    )
    audited = await audit.of_member(session, member.id)
    return {
        "member": {
            "id": member.id,
            "language": member.language,
            "country": member.country_code,
            "timezone": member.timezone,
            "reminder_offsets_minutes": member.reminder_offsets,
            "created_at": _iso(member.created_at),
            "updated_at": _iso(member.updated_at),
        },
        "identities": [
            {
                "platform": i.platform,
                "user_id": i.user_id,
                "display_name": i.display_name,
                "platform_locale": i.platform_locale,
                "unreachable_since": _iso(i.unreachable_since),
                "first_seen": _iso(i.created_at),
            }
            for i in identities
        ],
        "channels": [{"channel": slug, "joined_at": _iso(at), "muted": muted} for slug, at, muted in memberships],
        "roles": [{"role": r.role, "country": r.country_code or None, "granted_at": _iso(r.granted_at)} for r in roles],
        "event_answers": [
            {"event": r.event_id, "answer": r.answer, "waiting_list": r.waitlisted, "answered_at": _iso(r.answered_at)}
            for r in rsvps
        ],
        "events_created": [
            {"id": e.id, "texts": e.texts, "starts": e.starts_local.isoformat(), "timezone": e.timezone, "status": e.status}
            for e in events
        ],
        "announcements_sent": [
            {"id": a.id, "channel": slug, "sender_name": a.sender_name, "texts": a.texts, "send_at": _iso(a.send_at),
             "status": a.status}
            for a, slug in announcements
        ],
        "messages_to_you": [
            {"kind": d.kind, "platform": d.platform, "to": d.target, "status": d.status, "due_at": _iso(d.due_at),
             "sent_at": _iso(d.sent_at), "attempts": d.attempts, "error": d.last_error, "content": d.payload}
            for d in deliveries
        ],
        "conversations": [
            {"platform_chat": c.chat_id, "flow": c.flow, "step": c.step, "data": c.data, "updated_at": _iso(c.updated_at)}
            for c in conversations
        ],
        "link_codes": [
            {"created_at": _iso(c.created_at), "expires_at": _iso(c.expires_at), "used_at": _iso(c.used_at)} for c in codes
        ],
        # kept after ``forget`` under a keyed hash (core.linking), until a week after the last try
        "failed_link_attempts": [
            {"platform": platform, "wrong_codes_in_a_row": a.failures, "last_try": _iso(a.attempted_at),
             "waiting_until": _iso(a.blocked_until)}
            for platform, a in attempts if a.failures
        ],
        "button_commands": [{"command": b.payload, "created_at": _iso(b.created_at)} for b in buttons],
        "chat_bindings": [
            {"channel": slug, "platform": b.platform, "chat": b.title, "status": b.status,
             "asked_by_you": b.requested_by == member.id, "approved_by_you": b.approved_by == member.id,
             "asked_at": _iso(b.created_at), "approved_at": _iso(b.approved_at)}
            for b, slug in bindings
        ],
        "audit_trail": [
            {"at": _iso(e.at), "action": e.action, "by_you": e.actor_member_id == member.id, "from": e.source,
             "account": e.actor_user_id if e.actor_member_id == member.id else None,
             "object": e.object_kind, "object_id": e.object_id, "details": e.details}
            for e in audited
        ],
    }


async def _stop_announcements_without_right(ctx: Context) -> None:
    unfinished = await ctx.session.execute(
        select(Announcement.id, Channel)
        .join(Channel, Channel.id == Announcement.channel_id)
        .where(Announcement.sender_id == ctx.member.id, Announcement.cancelled_at.is_(None),
               Announcement.status.in_(("scheduled", "awaiting", "planned")))
    )
    for announcement_id, channel in unfinished.all():
        if not await may_announce(ctx.session, ctx.member.id, channel):
            await cancel_announcement(ctx.session, announcement_id, ctx.actor)


def _addressed_to(member_id: int, identities: list[Identity]) -> ColumnElement[bool]:
    """Deliveries to the member: by member, by identity, or direct messages to one of their accounts."""
    return or_(
        Delivery.member_id == member_id,
        Delivery.identity_id.in_([i.id for i in identities]),
        *(and_(Delivery.platform == i.platform, Delivery.target == i.user_id, Delivery.to_chat.is_(False))
          for i in identities),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


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
        # Every chat they entered through us is taken back: here in the answer, on the platforms of
        # their other accounts through the outbox (whichever platform this was typed on).
        access = await taken_back_on(ctx.session, ctx.member.id, ctx.platform)
        revocations = await revocation_rows(ctx.session, ctx.member.id, except_identity=ctx.identity.id)
        await withdraw_member(ctx.session, ctx.member.id)  # their places go to the waiting lists
        # Announcements they sent stay with their channel, without their name; one still to go out
        # whose right they had already lost stops here (once nameless, nothing would tell it apart
        # from the command line's).
        await _stop_announcements_without_right(ctx)
        await ctx.session.execute(
            update(Announcement).where(Announcement.sender_id == ctx.member.id).values(sender_name="", sender_id=None)
        )
        await erase_member(ctx)
        await enqueue_revocations(ctx.session, revocations)
        ctx.reply(_("Done: everything I knew about you is erased. Goodbye!"), private=True, edit=ctx.pressed, access=access)
        return
    nonce = secrets.token_hex(4)
    await ctx.set_conversation("forget", "confirm", {"nonce": nonce})
    ctx.reply(
        _("This erases your profile, your linked accounts, your channels, your roles, your answers to events and the messages waiting for you. It cannot be undone. Are you sure?"),
        buttons=[
            [await ctx.button(_("Yes, erase everything"), "forget", f"yes-{nonce}")],
            [await ctx.button(_("Cancel"), "forget", "no")],
        ],
        private=True,
    )


async def erase_member(ctx: Context) -> None:
    """Delete the member and every row about them, explicitly (not only through foreign-key cascades),
    in the request's one transaction. Events they created stay, without their name (SET NULL)."""
    session, member_id = ctx.session, ctx.member.id
    identities = list(await session.scalars(select(Identity).where(Identity.member_id == member_id)))
    identity_ids = [i.id for i in identities]
    await session.execute(delete(Delivery).where(_addressed_to(member_id, identities)))
    await session.execute(delete(Conversation).where(Conversation.identity_id.in_(identity_ids)))
    # Not the link-code tries (core.linking): kept under a keyed hash, or forgetting would reset them.
    await session.execute(delete(LinkCode).where(LinkCode.member_id == member_id))
    await session.execute(delete(Membership).where(Membership.member_id == member_id))
    await session.execute(delete(RoleGrant).where(RoleGrant.member_id == member_id))
    await session.execute(delete(StoredAction).where(StoredAction.member_id == member_id))
    await session.execute(update(Event).where(Event.created_by == member_id).values(created_by=None))
    # the chats they asked to bind or approved stay bound (the audit trail keeps who acted)
    await session.execute(update(ChannelBinding).where(ChannelBinding.requested_by == member_id).values(requested_by=None))
    await session.execute(update(ChannelBinding).where(ChannelBinding.approved_by == member_id).values(approved_by=None))
    await audit.forget_member(session, member_id)  # what they did stays on record, not who did it
    await session.execute(delete(Identity).where(Identity.member_id == member_id))
    await session.delete(ctx.member)
    await session.flush()

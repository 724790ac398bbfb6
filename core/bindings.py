"""Binding a real chat to a channel needs the network's consent.

A chat's administrator asks (``bind``); the binding stays *pending* until an approver says
yes. Approvers: every administrator, and for a country channel the ambassadors of that
country. A requester who is an approver of that channel is trusted at once (an ambassador
binding their own group); a plain chat administrator is not. Until approved, a binding hands
out no access and receives no announcement or mirrored event: every reader of bindings for
those purposes filters on ``status == BINDING_APPROVED``.

Each request, approval and unbind writes an audit entry in the caller's transaction. The
approvers hear of a request through the outbox: one notice per approver, on the identity
they are pushed to, in their language, with Approve / Reject buttons whose press is
authorized again here (a forwarded button changes nothing).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit, notices
from core.audit import Actor
from core.messages import actions
from core.messages.types import Button, Reply
from core.db.models import BINDING_APPROVED, BINDING_PENDING, Channel, ChannelBinding, RoleGrant
from core.db.types import utcnow
from core.i18n import _, is_rtl
from core.memberships import channel_title
from core.roles import ADMINISTRATOR, AMBASSADOR, is_administrator, is_ambassador_for
from core.text import clean_line, isolate

PENDING = BINDING_PENDING
APPROVED = BINDING_APPROVED
BUTTON_COMMAND = "binding"  # the hidden chat command behind the notice's buttons: "binding approve|unbind ID TOKEN"
PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "slack": "Slack", "console": "console"}


@dataclass(frozen=True, slots=True)
class Requested:
    binding: ChannelBinding
    created: bool  # False: the chat was bound to that channel already (details refreshed)
    approved: bool  # approved now or before
    approved_now: bool  # by this request: the asker may approve bindings to that channel
    notified: int  # approver notices written to the outbox


async def may_approve(session: AsyncSession, member_id: int, channel: Channel) -> bool:
    """Administrators approve any binding; an ambassador, those of their country's channel."""
    if await is_administrator(session, member_id):
        return True
    return channel.kind == "country" and await is_ambassador_for(session, member_id, channel.country_code or "")


async def approver_ids(session: AsyncSession, channel: Channel) -> list[int]:
    """Every member who may approve a binding to ``channel``."""
    statement = select(RoleGrant.member_id).where(RoleGrant.role == ADMINISTRATOR)
    if channel.kind == "country" and channel.country_code:
        statement = select(RoleGrant.member_id).where(
            (RoleGrant.role == ADMINISTRATOR)
            | ((RoleGrant.role == AMBASSADOR) & (RoleGrant.country_code == channel.country_code))
        )
    return sorted(set(await session.scalars(statement)))


def _approve(binding: ChannelBinding, member_id: int | None) -> None:
    binding.status, binding.approved_at, binding.approved_by = APPROVED, utcnow(), member_id


def _facts(binding: ChannelBinding, channel: Channel) -> dict[str, Any]:
    """What an audit entry says about a binding (the chat's title is the platform's, not ours)."""
    return {"channel": channel.slug, "platform": binding.platform, "chat_id": binding.chat_id, "status": binding.status}


async def request(
    session: AsyncSession,
    actor: Actor,
    member_id: int,
    channel: Channel,
    chat_id: str,
    title: str | None,
    data: dict[str, Any],
    requester_name: str | None = None,
) -> Requested:
    """Ask to bind a chat (its administrator asking): pending, or approved when the asker may approve."""
    binding = await session.scalar(
        select(ChannelBinding).where(
            ChannelBinding.platform == actor.source, ChannelBinding.chat_id == chat_id,
            ChannelBinding.channel_id == channel.id,
        )
    )
    entitled = await may_approve(session, member_id, channel)
    created = binding is None
    if binding is None:
        binding = ChannelBinding(
            channel_id=channel.id, platform=actor.source, chat_id=chat_id, title=title, data=data,
            status=PENDING, requested_by=member_id,
        )
        session.add(binding)
    else:
        # what the platform sends again replaces its old value; what it keeps there itself stays
        # (a Discord server's mirrored Scheduled Event ids)
        binding.title, binding.data = title, {**(binding.data or {}), **data}
    self_approved = binding.status != APPROVED and entitled
    if self_approved:
        _approve(binding, member_id)
    await session.flush()
    if created:
        await audit.record(session, actor, audit.BINDING_REQUEST, object_kind="binding", object_id=binding.id,
                           details=_facts(binding, channel))
    if self_approved:
        await audit.record(session, actor, audit.BINDING_APPROVE, object_kind="binding", object_id=binding.id,
                           details={**_facts(binding, channel), "by_requester": True})
    notified = 0
    if binding.status == PENDING:
        notified = await _notify_approvers(session, binding, channel, member_id, requester_name)
    return Requested(binding, created, binding.status == APPROVED, self_approved, notified)


async def approve(session: AsyncSession, actor: Actor, binding: ChannelBinding, channel: Channel) -> bool:
    """Approve a pending binding (the caller checked the right). False: it was approved already."""
    if binding.status == APPROVED:
        return False
    _approve(binding, actor.member_id)
    await session.flush()
    await audit.record(session, actor, audit.BINDING_APPROVE, object_kind="binding", object_id=binding.id,
                       details=_facts(binding, channel))
    await _tell_requester(session, binding, channel, approved=True)
    return True


async def unbind(session: AsyncSession, actor: Actor, bindings: Sequence[tuple[ChannelBinding, Channel]]) -> int:
    """Remove bindings, pending (a refused request) or approved. Returns how many went."""
    for binding, channel in bindings:
        await audit.record(session, actor, audit.BINDING_UNBIND, object_kind="binding", object_id=binding.id,
                           details=_facts(binding, channel))
        if binding.status == PENDING and actor.member_id != binding.requested_by:
            await _tell_requester(session, binding, channel, approved=False)
    if not bindings:
        return 0
    await session.execute(delete(ChannelBinding).where(ChannelBinding.id.in_([b.id for b, _c in bindings])))
    return len(bindings)


def token(binding: ChannelBinding) -> str:
    """Names one request, not only its number: SQLite may give a removed binding's number to the next
    one, and an old notice's button must not act on a request its reader never saw."""
    stamp = int(binding.created_at.timestamp()) if binding.created_at else 0
    return hashlib.sha256(f"{binding.id}:{binding.platform}:{binding.chat_id}:{stamp}".encode()).hexdigest()[:8]


async def find(session: AsyncSession, binding_id: int) -> tuple[ChannelBinding, Channel] | None:
    row = (
        await session.execute(
            select(ChannelBinding, Channel).join(Channel, Channel.id == ChannelBinding.channel_id)
            .where(ChannelBinding.id == binding_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def listing(session: AsyncSession, status: str | None = None) -> list[tuple[ChannelBinding, Channel]]:
    """Every binding with its channel, pending first, then by channel and platform."""
    statement = select(ChannelBinding, Channel).join(Channel, Channel.id == ChannelBinding.channel_id)
    if status:
        statement = statement.where(ChannelBinding.status == status)
    rows = [(b, c) for b, c in await session.execute(statement)]
    rows.sort(key=lambda row: (row[0].status != PENDING, row[1].slug, row[0].platform, row[0].id))
    return rows


# ---------------------------------------------------------------- notices


def describe_chat(binding: ChannelBinding) -> str:
    """“Title” on Platform, the title isolated: it is whatever the chat's administrator named it."""
    platform = PLATFORM_NAMES.get(binding.platform, binding.platform)
    if binding.title:
        return _("“{title}” on {platform}").format(title=isolate(binding.title), platform=platform)
    return _("a chat on {platform}").format(platform=platform)


async def _notify_approvers(
    session: AsyncSession, binding: ChannelBinding, channel: Channel, requester_id: int, requester_name: str | None
) -> int:
    approvers = [m for m in await approver_ids(session, channel) if m != requester_id]
    if not approvers:
        return 0
    approve_action = await actions.encode(session, BUTTON_COMMAND, f"approve {binding.id} {token(binding)}")
    reject_action = await actions.encode(session, BUTTON_COMMAND, f"unbind {binding.id} {token(binding)}")
    name = clean_line(requester_name or "", 100)

    def render(language: str) -> Reply:
        who = isolate(name) if name else _("A chat administrator")
        text = _(
            "{who} asks to bind {chat} to the {channel} channel. Until it is approved, nobody is sent "
            "there and no announcement is delivered there."
        ).format(who=who, chat=describe_chat(binding), channel=channel_title(channel.slug))
        return Reply(
            text=text, title=_("A chat waits for your approval"), language=language, rtl=is_rtl(language),
            buttons=[[Button(_("Approve"), approve_action), Button(_("Reject"), reject_action)]],
        )

    return await notices.notify(
        session, approvers, lambda member_id: f"notice:binding:{binding.id}:{token(binding)}:{member_id}", render
    )


async def _tell_requester(session: AsyncSession, binding: ChannelBinding, channel: Channel, approved: bool) -> None:
    """The administrator who asked hears the answer, in their language."""
    if binding.requested_by is None:
        return

    def render(language: str) -> Reply:
        if approved:
            text = _("Your request is approved: {chat} is now bound to the {channel} channel.")
        else:
            text = _("Your request to bind {chat} to the {channel} channel was not approved.")
        return Reply(text=text.format(chat=describe_chat(binding), channel=channel_title(channel.slug)),
                     language=language, rtl=is_rtl(language))

    outcome = "approved" if approved else "refused"
    await notices.notify(
        session, [binding.requested_by],
        lambda member_id: f"notice:binding:{binding.id}:{token(binding)}:{outcome}:{member_id}", render,
    )

"""Access to bound chats that a member was given, and taking it back on every platform.

Joining a channel gives access to the chats bound to it on the platform where it was asked
(a Telegram invite, a Discord role, a Slack channel). ``forget`` must take back all of it, on
every platform of every linked account, whichever platform it was typed on: the chats of the
typing platform are taken back in the answer (``Reply.access``), the others through the outbox,
one ``access`` row per other account, which that platform's bot process carries out
(``Transport.apply_access``), so no platform's process needs to be the one the person wrote to.

An ``access`` row names an erased person's account (its ``target``), so it is deleted as soon as
it is done (``forget_finished``): nothing about the person outlives the revocation.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import ChatAccess, Reply
from core.db.engine import Database
from core.db.models import BINDING_APPROVED, Channel, ChannelBinding, Delivery, Identity, Membership
from core.delivery.claim import FINAL
from core.delivery.outbox import enqueue_many

KIND = "access"
RENDERER = "access"


async def taken_back_on(session: AsyncSession, member_id: int, platform: str) -> list[ChatAccess]:
    """Every chat bound on ``platform`` to a channel the member is in, to take back for good
    (invitations handed out and not used yet included)."""
    rows = await session.execute(
        select(Channel.slug, ChannelBinding)
        .join(Membership, Membership.channel_id == Channel.id)
        .join(ChannelBinding, ChannelBinding.channel_id == Channel.id)
        .where(Membership.member_id == member_id, ChannelBinding.platform == platform,
               ChannelBinding.status == BINDING_APPROVED)  # a pending binding gave nothing to take back
        .order_by(ChannelBinding.id)
    )
    return [ChatAccess(slug, b.chat_id, False, b.title, dict(b.data or {}), close_invites=True) for slug, b in rows]


def _to_json(item: ChatAccess) -> dict[str, Any]:
    return {"channel": item.channel_slug, "chat_id": item.chat_id, "grant": item.grant, "title": item.title,
            "data": item.data, "close_invites": item.close_invites}


def _from_json(raw: dict[str, Any]) -> ChatAccess:
    return ChatAccess(str(raw["channel"]), str(raw["chat_id"]), bool(raw.get("grant", False)), raw.get("title"),
                      dict(raw.get("data") or {}), close_invites=bool(raw.get("close_invites", False)))


async def revocation_rows(
    session: AsyncSession, member_id: int, *, except_identity: int | None = None
) -> list[dict[str, Any]]:
    """Outbox rows taking back, on each linked account's platform, the chats the member was given.

    ``except_identity``: the account ``forget`` was typed from, whose platform takes them back in
    the answer. Read before the memberships and identities are erased, enqueued after (the erasure
    deletes every row addressed to the person's accounts).
    """
    rows = []
    identities = await session.scalars(select(Identity).where(Identity.member_id == member_id).order_by(Identity.id))
    for identity in list(identities):
        if identity.id == except_identity:
            continue
        items = await taken_back_on(session, member_id, identity.platform)
        if not items:
            continue
        rows.append({
            # no member, no identity: both are erased in this transaction, the row must outlive them
            "key": f"{KIND}:revoke:{secrets.token_hex(12)}",
            "kind": KIND,
            "platform": identity.platform,
            "target": identity.user_id,
            "payload": {"render": RENDERER, "access": [_to_json(item) for item in items]},
        })
    return rows


async def enqueue_revocations(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    return await enqueue_many(session, rows) if rows else 0


async def render_access(session: AsyncSession, delivery: Delivery) -> Reply | None:
    """No message: only the chats to give or take back, for the platform's transport."""
    items = [_from_json(raw) for raw in delivery.payload.get("access") or []]
    return Reply(access=items) if items else None


async def forget_finished(db: Database) -> None:
    """Delete finished ``access`` rows: they name the account of someone who asked to be forgotten."""
    async with db.transaction() as session:
        await session.execute(delete(Delivery).where(Delivery.kind == KIND, Delivery.status.in_(sorted(FINAL))))

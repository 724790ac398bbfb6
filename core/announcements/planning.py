"""Turning an announcement into outbox rows: one per reachable member (on one identity), one per bound chat.

Planning is idempotent (keys ``announcement:{id}:{platform}:{target}``): planning again, after a
crash or by a second process, writes nothing new.

The hot path is one ``INSERT ... SELECT``: the database resolves the recipients (channel members
who did not mute it, joined to their identities, one identity per member picked with a window
function), builds each key, and picks each row's payload among the language versions, which
are rendered and JSON-encoded once each. No row passes through Python.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, false, func, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.db.models import BINDING_APPROVED, Announcement, Channel, ChannelBinding, Delivery, Identity, Member, Membership
from core.db.types import utcnow
from core.delivery.outbox import enqueue_many
from core.delivery.payload import reply_to_json
from core.delivery.recipients import PLATFORM_PREFERENCE
from core.i18n import N_, SUPPORTED_LANGUAGES, language_from_locale

from .texts import TextError, body, clean_sender_name, clean_texts, fallback_order, version_for

KIND = "announcement"


def _members_in(channel_id: int) -> Any:
    """Condition: a member of the channel who did not mute it, on a reachable identity."""
    return and_(
        Membership.channel_id == channel_id, Membership.muted.is_(False), Identity.unreachable_since.is_(None)
    )


async def count_recipients(session: AsyncSession, channel_id: int) -> int:
    """How many pushes an announcement to this channel makes now (members reached, bound chats)."""
    members = await session.scalar(
        select(func.count(distinct(Membership.member_id)))
        .join(Identity, Identity.member_id == Membership.member_id)
        .where(_members_in(channel_id))
    )
    chats = await session.scalar(
        select(func.count(distinct(ChannelBinding.platform + literal(":") + ChannelBinding.chat_id)))
        .where(ChannelBinding.channel_id == channel_id, ChannelBinding.status == BINDING_APPROVED)  # pending: nothing
    )
    return int(members or 0) + int(chats or 0)


class _Versions:
    """Each reader-language payload built once: the version's body, and the language of its header.

    The header names the sender, so it is not stored: the "announcement" renderer adds it when
    the row is sent (``core.announcements.sending``), from the announcement as it is then."""

    def __init__(self, announcement: Announcement) -> None:
        self.texts: Mapping[str, str] = announcement.texts
        self.fallback = fallback_order(self.texts, announcement.fallback)
        self.cache: dict[str | None, dict[str, Any]] = {}

    def payload(self, reader: str | None) -> dict[str, Any]:
        found = self.cache.get(reader)
        if found is None:
            text_language = version_for(reader, self.texts, self.fallback)
            version = body(text_language, self.texts[text_language])
            found = self.cache[reader] = {
                "render": KIND, "reader": reader or text_language, "body": reply_to_json(version),
            }
        return found


def _insert(session: AsyncSession) -> Any:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(Delivery)


async def _locale_languages(session: AsyncSession, channel_id: int) -> dict[str, str]:
    """Platform locale -> supported language, for recipients who never chose a language."""
    locales = await session.scalars(
        select(distinct(Identity.platform_locale))
        .join(Membership, Membership.member_id == Identity.member_id)
        .join(Member, Member.id == Membership.member_id)
        .where(
            _members_in(channel_id),
            Identity.platform_locale.is_not(None),
            (Member.language.is_(None)) | (Member.language.not_in(SUPPORTED_LANGUAGES)),
        )
    )
    found = {}
    for locale in locales:
        language = language_from_locale(locale)
        if language:
            found[locale] = language
    return found


async def _plan_members(session: AsyncSession, announcement_id: int, channel_id: int, versions: _Versions) -> int:
    now = utcnow()
    json_type = Delivery.__table__.c.payload.type
    time_type = Delivery.__table__.c.due_at.type
    rank = func.row_number().over(
        partition_by=Identity.member_id,
        order_by=(case(PLATFORM_PREFERENCE, value=Identity.platform, else_=0), Identity.id.desc()),
    )
    locale_languages = await _locale_languages(session, channel_id)
    from_locale: Any = (
        case(locale_languages, value=Identity.platform_locale, else_=null()) if locale_languages else null()
    )
    reader = case((Member.language.in_(SUPPORTED_LANGUAGES), Member.language), else_=from_locale)
    chosen = (
        select(
            Membership.member_id.label("member_id"),
            Identity.id.label("identity_id"),
            Identity.platform.label("platform"),
            Identity.user_id.label("user_id"),
            reader.label("reader"),
            rank.label("rank"),
        )
        .join(Member, Member.id == Membership.member_id)
        .join(Identity, Identity.member_id == Membership.member_id)
        .where(_members_in(channel_id))
        .subquery("chosen")
    )
    payloads = {language: literal(versions.payload(language), json_type) for language in SUPPORTED_LANGUAGES}
    payload = case(payloads, value=chosen.c.reader, else_=literal(versions.payload(None), json_type))
    rows = select(
        (literal(f"announcement:{announcement_id}:") + chosen.c.platform + literal(":") + chosen.c.user_id),
        literal(KIND),
        chosen.c.platform,
        chosen.c.user_id,
        false(),
        chosen.c.member_id,
        chosen.c.identity_id,
        literal(announcement_id),
        payload,
        literal("pending"),
        literal(now, time_type),
        literal(0),
        literal(now, time_type),
    ).where(chosen.c.rank == 1)
    columns = [
        "key", "kind", "platform", "target", "to_chat", "member_id", "identity_id", "announcement_id",
        "payload", "status", "due_at", "attempts", "created_at",
    ]
    statement = _insert(session).from_select(columns, rows).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return max(0, int(result.rowcount or 0))


async def plan_announcement(session: AsyncSession, announcement: Announcement) -> int:
    """Write the announcement's outbox rows (those already there are left alone). Returns rows written."""
    channel = await session.get(Channel, announcement.channel_id)
    if channel is None:
        return 0
    versions = _Versions(announcement)
    written = await _plan_members(session, announcement.id, channel.id, versions)
    bindings = (
        await session.execute(
            select(ChannelBinding.platform, ChannelBinding.chat_id)
            .where(ChannelBinding.channel_id == channel.id, ChannelBinding.status == BINDING_APPROVED)  # pending: nothing
            .order_by(ChannelBinding.id)
        )
    ).all()
    chat_payload = versions.payload(versions.fallback[0])
    await enqueue_many(
        session,
        [
            {
                "key": f"announcement:{announcement.id}:{platform}:chat:{chat_id}",
                "kind": KIND,
                "platform": platform,
                "target": chat_id,
                "to_chat": True,
                "announcement_id": announcement.id,
                "payload": chat_payload,
            }
            for platform, chat_id in dict.fromkeys(tuple(b) for b in bindings)  # a chat bound twice hears it once
        ],
    )
    return written + len(set(tuple(b) for b in bindings))


def check_fallback(texts: Mapping[str, str], fallback: Sequence[str] | None) -> list[str]:
    """The fallback order, every language of which must have a text."""
    for language in fallback or ():
        if language not in texts:
            raise TextError(N_("The fallback language {language} has no text."), language=language)
    return fallback_order(texts, fallback)


async def create_announcement(
    session: AsyncSession,
    channel: Channel,
    texts: Mapping[str, str],
    *,
    fallback: Sequence[str] | None = None,
    sender_id: int | None = None,
    sender_name: str = "",
    send_at: datetime | None = None,
    actor: audit.Actor,
    held: bool = False,
) -> Announcement:
    """Store an announcement (status "scheduled"); rights are the caller's to check first.

    Due now: planned at once in this transaction. Later: the periodic job plans it when due.
    ``held``: it waits for a second approval instead (status "awaiting", core.announcements.approval).
    Recorded as ``actor``'s announcement planned, or scheduled (held: scheduled, planned when approved)."""
    cleaned = clean_texts(texts)
    order = check_fallback(cleaned, fallback)
    now = utcnow()
    announcement = Announcement(
        channel_id=channel.id,
        sender_id=sender_id,
        sender_name=clean_sender_name(sender_name),
        texts=cleaned,
        fallback=order,
        status="awaiting" if held else "scheduled",
        send_at=send_at or now,
    )
    session.add(announcement)
    await session.flush()
    planned = not held and announcement.send_at <= now
    if planned:
        await claim_and_plan(session, announcement.id)
    await audit.record(
        session, actor, audit.ANNOUNCEMENT_PLAN if planned else audit.ANNOUNCEMENT_SCHEDULE,
        object_kind="announcement", object_id=announcement.id,
        details={"channel": channel.slug, "languages": sorted(cleaned), "send_at": announcement.send_at.isoformat(),
                 **({"awaiting_approval": True} if held else {})},
    )
    return announcement


async def claim_and_plan(session: AsyncSession, announcement_id: int) -> bool:
    """Move one announcement from "scheduled" to "planned" and plan it, in the caller's transaction.

    The conditional UPDATE is the claim: of two processes, only the one whose UPDATE changed the
    row plans (the other sees 0 rows once the first commits). Returns whether we planned it."""
    now = utcnow()
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == "scheduled")
        .values(status="planned", planned_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    assert announcement is not None
    await plan_announcement(session, announcement)
    return True


SETTLED = {
    "sent": "sent",
    "failed": "failed",
    "expired": "failed",
    "unreachable": "unreachable",
    "skipped": "skipped",
    "cancelled": "cancelled",
    "pending": "pending",
    "sending": "pending",
}


async def progress(session: AsyncSession, announcement_id: int) -> dict[str, int]:
    """Counts of the announcement's rows: sent, failed (incl. expired), unreachable, skipped (the
    sender's right was gone, or a cancel stopped it while being sent), cancelled (stopped while
    waiting), pending (incl. being sent)."""
    counts = {"sent": 0, "failed": 0, "unreachable": 0, "skipped": 0, "cancelled": 0, "pending": 0}
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.announcement_id == announcement_id, Delivery.kind == KIND)
        .group_by(Delivery.status)
    )
    for status, count in rows:
        bucket = SETTLED.get(status, "pending")
        counts[bucket] += int(count)
    return counts

"""The mapped classes of the domain.

One module on purpose: the schema is read in one place, and Alembic compares
migrations against ``Base.metadata``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON(), list[int]: JSON()}


# ---------------------------------------------------------------- directory


class Association(Base):
    """A local alumni association, as imported from the directory."""

    __tablename__ = "associations"
    __table_args__ = (UniqueConstraint("name_key", "country_code", name="uq_associations_name_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))  # normalized name, for re-import matching
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    languages: Mapped[list[str]] = mapped_column(default=list)
    themes: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    # A contact person (not the association's own address): personal data, shown to members
    # only when that person consented (``contact_consent``); exported either way for administrators.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The association's texts in other languages: {"ar": {"name": …, "city": …, "description": …}}
    # (import keys ``name_ar`` …), shown to readers of that language; {} when it has none.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DirectoryRevision(Base):
    """A single row whose counter moves on every directory change.

    Search indexes held in memory by every process compare it to know when to rebuild.
    """

    __tablename__ = "directory_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------- members


class Member(Base):
    """A person, known through one or more chat identities."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str | None] = mapped_column(String(10))
    country_code: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Minutes before an event to remind; None means the default (1 day and 1 hour), [] means off.
    reminder_offsets: Mapped[list[int] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    identities: Mapped[list["Identity"]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class Identity(Base):
    """One account on one platform (platform + the platform's user id)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_identities_platform_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(200))
    platform_locale: Mapped[str | None] = mapped_column(String(20))
    unreachable_since: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="identities", lazy="raise")


class RoleGrant(Base):
    """A role held by a member: ``administrator`` (country ``""``) or ``ambassador`` of one country."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("member_id", "role", "country_code", name="uq_role_grants_member_role_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    country_code: Mapped[str] = mapped_column(String(2), default="")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A single-use, expiring code that links another identity to a member."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class LinkAttempt(Base):
    """Link codes typed by one account (core.linking): its wrong codes in a row and how long it waits.

    The account is named by a keyed hash of its platform and user id, not by a foreign key, so
    erasing the member (``forget``) does not erase the count: forgetting cannot be used to guess
    again at once. The row names nobody without the installation's key, and is pruned a week
    after the account's last try (core.retention).
    """

    __tablename__ = "link_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    guesser: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 of "platform:user_id", hex
    failures: Mapped[int] = mapped_column(default=0)  # codes tried since the last right one
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the last try
    blocked_until: Mapped[datetime | None] = mapped_column()  # no try is looked at before this


class InstallationKey(Base):
    """Random keys made once per installation (the key of the link-attempt hashes), shared by
    every process through the database."""

    __tablename__ = "installation_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- channels


class Channel(Base):
    """A country channel (slug = ISO alpha-2, lower case) or a thematic channel."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "country" | "theme"
    country_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # APPROVAL_REQUIRED: an announcement a member sends here waits until another approver confirms it
    # (core.announcements.approval); set with `alumni channels set SLUG --approval required|none`.
    approval: Mapped[str] = mapped_column(String(10), default="none", server_default="none")


APPROVAL_NONE = "none"
APPROVAL_REQUIRED = "required"
BINDING_PENDING = "pending"
BINDING_APPROVED = "approved"  # only these hand out access and receive deliveries (core/bindings.py)


class ChannelBinding(Base):
    """A real chat (Telegram group, Discord channel/role, Slack channel) bound to a channel."""

    __tablename__ = "channel_bindings"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "channel_id", name="uq_channel_bindings_platform_chat_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Asked by a chat's administrator, a binding waits ("pending") until an administrator or,
    # for a country channel, an ambassador of that country approves it (core/bindings.py).
    status: Mapped[str] = mapped_column(String(10), default=BINDING_PENDING)  # or BINDING_APPROVED
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))  # None: the command line


class Membership(Base):
    """A member in a channel."""

    __tablename__ = "memberships"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- conversations


class Conversation(Base):
    """The state of a multi-step flow for one identity in one chat; survives restarts."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("identity_id", "chat_id", name="uq_conversations_identity_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(100))
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StoredAction(Base):
    """The full command behind a button whose payload would not fit a platform's limit.

    ``member_id``: whose request made the button, when one did. The command line may hold what
    they typed (a search), so it is theirs: exported by ``mydata``, erased by ``forget``.
    """

    __tablename__ = "stored_actions"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- events


class Event(Base):
    """A meet-up, a forum, a webinar.

    The time is kept as wall-clock time in an IANA zone (``starts_local`` + ``timezone``),
    which is what the organiser means: a daylight-saving change never moves it.
    ``starts_at``/``ends_at`` are the UTC instants derived from it, for ordering and reminders.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)  # iCalendar UID, stable across exports
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"fr": {"title": ..., "description": ...}}
    language: Mapped[str] = mapped_column(String(10))  # the organiser's language: first fallback
    starts_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_local: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None] = mapped_column()
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id", ondelete="SET NULL"))
    capacity: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="scheduled")  # "scheduled" | "cancelled"
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: bumped on every change
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Rsvp(Base):
    """A member's answer to an event. ``waitlisted`` yes-answers wait for a freed place, in answer order."""

    __tablename__ = "rsvps"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True)
    answer: Mapped[str] = mapped_column(String(5))  # "yes" | "maybe" | "no"
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- announcements


class Announcement(Base):
    """A broadcast to one channel, with its text in one or more languages."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"fr": "...", "en": "..."}
    fallback: Mapped[list[str]] = mapped_column(default=list)  # language order for readers of other languages
    # "awaiting" (its channel requires a second approval: nothing planned until given)
    # | "scheduled" | "planned" | "reported" | "cancelled" (stopped before it was planned, or rejected)
    # | "refused" (when it fell due, the sender no longer had the right to announce to the channel)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    send_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    planned_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by a cancel (by the sender or an administrator in chat; by nobody, i.e. the command line):
    # rows still waiting are cancelled and rows being sent are stopped by the renderer.
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


# ---------------------------------------------------------------- the outbox


class Delivery(Base):
    """One push to one person or chat: the transactional outbox every bot sends from.

    ``key`` says what, to whom and on which platform, so planning the same thing twice
    writes nothing new. A process claims rows (``status`` "sending", ``lease_until``),
    sends, and marks them; a lease that runs out after a crash puts the row back in play.
    A reply longer than one platform message goes out in parts: ``parts_sent`` counts those
    the platform accepted, so a retry (by this process or another) resumes at the next one.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_ready", "status", "platform", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # "announcement" | "reminder" | "notice" | "report"
    platform: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(100))  # the platform's user id, or chat id when to_chat
    to_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()  # not sent after this (a reminder once the event began)
    attempts: Mapped[int] = mapped_column(default=0)
    parts_sent: Mapped[int] = mapped_column(default=0)  # platform messages of this push already out
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One privileged action (see core/audit.py): who, when, what, on which object, from where.

    ``actor_member_id`` has no foreign key on purpose: the trail outlives a member's erasure
    (which keeps the entry but drops what identifies the person).
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(20))  # a platform, or "cli"
    actor_member_id: Mapped[int | None] = mapped_column(index=True)
    actor_user_id: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_kind: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Worker(Base):
    """A running bot process, known by its heartbeat.

    Processes sharing one database see each other here: they split a platform's rate limit
    between the live ones, and ``alumni status`` lists them. A row whose ``seen_at`` is
    older than a few heartbeats belongs to a process that died.
    """

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the dispatcher's worker id
    host: Mapped[str] = mapped_column(String(100), default="")
    pid: Mapped[int] = mapped_column(default=0)
    platforms: Mapped[list[str]] = mapped_column(default=list)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class JobRun(Base):
    """The last run of a periodic job (reminders, announcement planning), for ``alumni status``."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str] = mapped_column(String(300), default="")
    runs: Mapped[int] = mapped_column(default=0)


Index("ix_associations_name_key", Association.name_key)
# Rare kinds found without reading the whole outbox (finished ``access`` rows are deleted every half minute).
Index("ix_deliveries_kind_status", Delivery.kind, Delivery.status)

"""The state of an installation, read from its database: for ``alumni status`` and /metrics.

Everything here is a handful of aggregate queries (the outbox's ``status, platform, due_at``
index serves the queue ones), so it is cheap enough to run on every Prometheus scrape.
Failed and unreachable rows have no time of their own: "in the last 24 h" counts them by
their ``due_at``, the time of their last attempt. Reminders are not a periodic job: they are
outbox rows planned when someone answers an event, so their "last run" is the last one sent.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import (
    Announcement,
    AuditEntry,
    Conversation,
    Delivery,
    Event,
    Identity,
    JobRun,
    LinkAttempt,
    LinkCode,
    Member,
    StoredAction,
    Worker,
)
from core.db.types import utcnow
from core.delivery import workers
from core.delivery.claim import FAILED, PENDING, SENDING, UNREACHABLE
from core.retention import Retention

PLATFORMS = ("telegram", "discord", "slack")
LIVE_SECONDS = workers.HEARTBEAT * workers.LIVE_BEATS  # the engines' own rule for a live worker
REMINDER_JOBS = ("reminders", "events.reminders")  # job names the reminder line looks for
PLANNING_JOB = "announcements.plan"
# Tables whose size an operator watches: the ones that grow with use (pruned by core.retention or not)
SIZED_TABLES = (Member, Identity, Event, Announcement, Delivery, StoredAction, Conversation, LinkCode, LinkAttempt,
                AuditEntry)


@dataclass
class PlatformStatus:
    """The outbox and the identities of one platform."""

    pending: int = 0
    due_now: int = 0
    sending: int = 0
    oldest_due_seconds: float | None = None  # how late the oldest due, unsent row is
    failed: int = 0
    failed_24h: int = 0
    unreachable: int = 0
    unreachable_24h: int = 0
    sent_1h: int = 0
    sent_24h: int = 0
    unreachable_identities: int = 0
    unreachable_identities_24h: int = 0


@dataclass
class JobStatus:
    name: str
    worker_id: str
    started_at: datetime | None
    finished_at: datetime | None
    ok: bool
    error: str
    runs: int


@dataclass
class WorkerStatus:
    id: str
    host: str
    pid: int
    platforms: list[str]
    started_at: datetime
    seen_at: datetime
    live: bool


@dataclass
class Status:
    at: datetime
    platforms: dict[str, PlatformStatus] = field(default_factory=dict)
    jobs: list[JobStatus] = field(default_factory=list)
    last_reminder_sent_at: datetime | None = None
    reminders_waiting: int = 0  # reminder rows not sent yet (pending, due later or now)
    next_reminder_due_at: datetime | None = None
    workers: list[WorkerStatus] = field(default_factory=list)  # the live ones
    stale_workers: int = 0  # rows of processes not seen for LIVE_SECONDS (stopped or dead)
    tables: dict[str, int] = field(default_factory=dict)  # table name -> rows
    retention: dict[str, int] = field(default_factory=dict)  # the retention policy in force, in days
    # command limits of each bot process: {"member"|"chat": {"per_minute", "burst"}} (per_minute 0: none)
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    link_waiting: int = 0  # accounts made to wait after wrong link codes, now (core.linking)

    def job(self, *names: str) -> JobStatus | None:
        """The first of these jobs that has run."""
        for job in self.jobs:
            if job.name in names:
                return job
        return None

    def as_json(self) -> dict[str, Any]:
        """Stable English keys, ISO 8601 UTC times: for scripts."""

        def when(moment: datetime | None) -> str | None:
            return None if moment is None else _utc(moment).isoformat().replace("+00:00", "Z")

        return {
            "at": when(self.at),
            "platforms": {name: asdict(state) for name, state in self.platforms.items()},
            "jobs": [
                {**asdict(job), "started_at": when(job.started_at), "finished_at": when(job.finished_at)}
                for job in self.jobs
            ],
            "last_reminder_sent_at": when(self.last_reminder_sent_at),
            "reminders_waiting": self.reminders_waiting,
            "next_reminder_due_at": when(self.next_reminder_due_at),
            "workers": [
                {**asdict(worker), "started_at": when(worker.started_at), "seen_at": when(worker.seen_at)}
                for worker in self.workers
            ],
            "stale_workers": self.stale_workers,
            "tables": dict(self.tables),
            "retention": dict(self.retention),
            "limits": {name: dict(limit) for name, limit in self.limits.items()},
            "link_waiting": self.link_waiting,
        }


def _utc(moment: datetime) -> datetime:
    """Aggregates come back naive on SQLite (no column type to convert them): read them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def queue_depths(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Per platform: (pending, sending) rows. The cheap part of the status, for each scrape."""
    rows = await session.execute(
        select(Delivery.platform, Delivery.status, func.count())
        .where(Delivery.status.in_((PENDING, SENDING)))
        .group_by(Delivery.platform, Delivery.status)
    )
    depths: dict[str, tuple[int, int]] = {platform: (0, 0) for platform in PLATFORMS}
    for platform, status, number in rows:
        pending, sending = depths.get(platform, (0, 0))
        depths[platform] = (pending + int(number), sending) if status == PENDING else (pending, sending + int(number))
    return depths


async def table_sizes(session: AsyncSession) -> dict[str, int]:
    """Rows of each watched table, in one statement (a count of a 200,000-row outbox takes milliseconds)."""
    counts = [select(func.count()).select_from(model).scalar_subquery() for model in SIZED_TABLES]
    row = (await session.execute(select(*counts))).one()
    return {model.__tablename__: int(number or 0) for model, number in zip(SIZED_TABLES, row)}


async def read_status(session: AsyncSession, now: datetime | None = None, retention: Retention | None = None,
                      limits: dict[str, dict[str, int]] | None = None) -> Status:
    """Everything ``alumni status`` shows, as of ``now``; ``retention``: the policy in force (default: the defaults);
    ``limits``: the command limits configured (``Throttle.describe()``)."""
    now = now or utcnow()
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    status = Status(at=now, platforms={platform: PlatformStatus() for platform in PLATFORMS})

    def platform(name: str) -> PlatformStatus:
        return status.platforms.setdefault(name, PlatformStatus())

    for name, state, number in await session.execute(
        select(Delivery.platform, Delivery.status, func.count())
        .where(Delivery.status.in_((PENDING, SENDING, FAILED, UNREACHABLE)))
        .group_by(Delivery.platform, Delivery.status)
    ):
        setattr(platform(name), {PENDING: "pending", SENDING: "sending", FAILED: "failed",
                                 UNREACHABLE: "unreachable"}[state], int(number))

    for name, number, oldest in await session.execute(
        select(Delivery.platform, func.count(), func.min(Delivery.due_at))
        .where(Delivery.status == PENDING, Delivery.due_at <= now)
        .group_by(Delivery.platform)
    ):
        platform(name).due_now = int(number)
        if oldest is not None:
            platform(name).oldest_due_seconds = max(0.0, (now - _utc(oldest)).total_seconds())

    for name, state, number in await session.execute(
        select(Delivery.platform, Delivery.status, func.count())
        .where(Delivery.status.in_((FAILED, UNREACHABLE)), Delivery.due_at >= day)
        .group_by(Delivery.platform, Delivery.status)
    ):
        setattr(platform(name), "failed_24h" if state == FAILED else "unreachable_24h", int(number))

    # Only a sent row has a ``sent_at``, and it stays sent: no status condition, which would make
    # SQLite walk the status index row by row (10x slower than one scan on a large outbox).
    for name, last_day, last_hour in await session.execute(
        select(Delivery.platform, func.count(), _count_if(Delivery.sent_at >= hour))
        .where(Delivery.sent_at >= day)
        .group_by(Delivery.platform)
    ):
        platform(name).sent_24h, platform(name).sent_1h = int(last_day), int(last_hour)

    for name, number, recent in await session.execute(
        select(Identity.platform, func.count(), _count_if(Identity.unreachable_since >= day))
        .where(Identity.unreachable_since.is_not(None))
        .group_by(Identity.platform)
    ):
        platform(name).unreachable_identities, platform(name).unreachable_identities_24h = int(number), int(recent)

    for job in await session.scalars(select(JobRun).order_by(JobRun.name)):
        status.jobs.append(JobStatus(job.name, job.worker_id or "", job.started_at, job.finished_at,
                                     bool(job.ok), job.error or "", int(job.runs or 0)))

    last = await session.scalar(
        select(func.max(Delivery.sent_at)).where(Delivery.kind == "reminder")
    )
    status.last_reminder_sent_at = None if last is None else _utc(last)
    waiting, first = (await session.execute(
        select(func.count(), func.min(Delivery.due_at)).where(Delivery.kind == "reminder", Delivery.status == PENDING)
    )).one()
    status.reminders_waiting = int(waiting or 0)
    status.next_reminder_due_at = None if first is None else _utc(first)

    # live processes only: every restart is a new worker id, the dead ones are just counted
    alive_after = now - timedelta(seconds=LIVE_SECONDS)
    for worker in await session.scalars(
        select(Worker).where(Worker.seen_at >= alive_after).order_by(Worker.host, Worker.pid, Worker.id)
    ):
        status.workers.append(WorkerStatus(worker.id, worker.host or "", int(worker.pid or 0),
                                           list(worker.platforms or []), worker.started_at, worker.seen_at, True))
    status.stale_workers = int(await session.scalar(
        select(func.count()).select_from(Worker).where(Worker.seen_at < alive_after)) or 0)
    status.tables = await table_sizes(session)
    policy = retention or Retention()
    status.retention = {"delivery_days": policy.delivery_days, "button_days": policy.button_days,
                        "audit_days": policy.audit_days}
    status.limits = dict(limits or {})
    status.link_waiting = int(await session.scalar(
        select(func.count()).select_from(LinkAttempt).where(LinkAttempt.blocked_until > now)) or 0)
    return status

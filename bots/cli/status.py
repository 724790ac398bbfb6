"""``alumni status``: the state of the installation for an operator, or ``--json`` for scripts.

Read-only: it opens the database without migrating or creating it (a missing SQLite file is
an error, not a new empty database). The numbers come from ``core.operations.status``; this
module only lays them out. An unreachable database is one line on stderr and exit code 1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from datetime import datetime

from babel.numbers import format_decimal

from core.commands.throttle import Throttle
from core.config import Settings
from core.i18n import _, ngettext
from core.i18n.region import format_locale
from core.operations.status import LIVE_SECONDS, PLANNING_JOB, REMINDER_JOBS, JobStatus, Status, read_status
from core.redaction import redact_url
from core.retention import Retention

from .common import out, settings
from .existing import existing_database


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    status = groups.add_parser(
        "status",
        help=_("queues, failures, periodic jobs and bot processes"),
        description=_(
            "The state of the installation: per platform the outbox queue, failed and unreachable deliveries, "
            "recent sends, unreachable people; the last runs of the periodic jobs; the live bot processes; "
            "the sizes of the tables that grow and the retention policy."
        ),
    )
    status.add_argument("--json", action="store_true", help=_("machine-readable output (English keys)"))
    status.set_defaults(handler=run)


async def gather(url: str, retention: Retention | None = None, settings: Settings | None = None) -> Status:
    """Open the database read-only (never create or migrate it), read the status, close."""
    database = existing_database(url)
    try:
        async with database.sessions() as session:
            current = settings or Settings(database_url=url)
            limits = {**Throttle.from_settings(current).describe(), "announcements": {"per_day": current.announce_per_day}}
            return await read_status(session, retention=retention, limits=limits)
    finally:
        await database.dispose()


def run(args: argparse.Namespace) -> int:
    current = settings()
    url = current.database_url
    status = asyncio.run(gather(url, Retention.from_settings(current), current))
    if args.json:
        out(json.dumps({"database": redact_url(url), **status.as_json()}, indent=2, ensure_ascii=False))
    else:
        for line in render(status, redact_url(url)):
            out(line)
    return 0


# ---------------------------------------------------------------- layout


def duration(seconds: float) -> str:
    """A short span in the reader's units: 45 s, 4 min 10 s, 3 h 05 min, 2 d 4 h."""
    whole = max(0, int(seconds))
    if whole < 60:
        return _("{count} s").format(count=whole)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return " ".join((_("{count} min").format(count=minutes), _("{count} s").format(count=secs)))
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return " ".join((_("{count} h").format(count=hours), _("{count} min").format(count=f"{minutes:02d}")))
    days, hours = divmod(hours, 24)
    return " ".join((_("{count} d").format(count=days), _("{count} h").format(count=hours)))


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return _("never")
    return _("{duration} ago").format(duration=duration((now - moment).total_seconds()))


def when(moment: datetime, now: datetime) -> str:
    """A moment relative to now: "in 3 h 05 min", or "4 min 10 s ago"."""
    if moment > now:
        return _("in {duration}").format(duration=duration((moment - now).total_seconds()))
    return ago(moment, now)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Columns as wide as their widest cell; the first left-aligned, numbers right-aligned."""
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            text = str(cell)
            numeric = text.replace(" ", "").replace("(", "").replace(")", "").isdigit()
            parts.append(text.rjust(widths[i]) if i and numeric else text.ljust(widths[i]))
        return (indent + "  ".join(parts)).rstrip()

    return [line(header), *(line(row) for row in rows)]


def _with_recent(total: int, recent: int) -> str:
    return f"{total} ({recent})"


def _job_row(label: str, job: JobStatus | None, now: datetime) -> list[str]:
    if job is None:
        return [label, _("never"), "", "", "", ""]
    took = ""
    if job.started_at is not None and job.finished_at is not None and job.finished_at >= job.started_at:
        took = _("{count} s").format(count=format_decimal(round((job.finished_at - job.started_at).total_seconds(), 2),
                                                         format="0.00", locale=format_locale()))
    result = _("ok") if job.ok else _("failed: {error}").format(error=job.error[:60] or "?")
    return [label, ago(job.finished_at or job.started_at, now), took, result, str(job.runs), job.worker_id]


def render(status: Status, database: str) -> list[str]:
    """The human report, localized, in aligned columns."""
    now = status.at
    lines = [_("alumni status at {time} UTC, database {url}").format(
        time=now.strftime("%Y-%m-%d %H:%M:%S"), url=database), ""]

    lines.append(_("Outbox queue"))
    lines += table(
        [_("platform"), _("pending"), _("due now"), _("sending"), _("oldest due")],
        [[name, str(p.pending), str(p.due_now), str(p.sending),
          "-" if p.oldest_due_seconds is None else duration(p.oldest_due_seconds)]
         for name, p in status.platforms.items()],
    )
    lines += ["", _("Deliveries (in brackets: last 24 h)")]
    lines += table(
        [_("platform"), _("sent 1 h"), _("sent 24 h"), _("failed"), _("unreachable"), _("unreachable people")],
        [[name, str(p.sent_1h), str(p.sent_24h), _with_recent(p.failed, p.failed_24h),
          _with_recent(p.unreachable, p.unreachable_24h),
          _with_recent(p.unreachable_identities, p.unreachable_identities_24h)]
         for name, p in status.platforms.items()],
    )

    lines += ["", _("Periodic jobs")]
    labels = {PLANNING_JOB: _("announcement planning"), **{name: _("reminders") for name in REMINDER_JOBS}}
    rows = [_job_row(labels[PLANNING_JOB], status.job(PLANNING_JOB), now)]
    rows += [_job_row(labels.get(job.name, job.name), job, now) for job in status.jobs if job.name != PLANNING_JOB]
    lines += table([_("job"), _("last run"), _("took"), _("result"), _("runs"), _("process")], rows)
    lines.append("  " + _("reminders: last sent {when}, {count} waiting, next due {next}").format(
        when=ago(status.last_reminder_sent_at, now), count=status.reminders_waiting,
        next="-" if status.next_reminder_due_at is None else when(status.next_reminder_due_at, now)))

    lines += ["", ngettext("{count} live bot process (seen in the last {seconds} s)",
                           "{count} live bot processes (seen in the last {seconds} s)",
                           len(status.workers)).format(count=len(status.workers), seconds=int(LIVE_SECONDS))]
    if status.workers:
        lines += table(
            [_("host"), _("pid"), _("platforms"), _("started"), _("last seen")],
            [[w.host, str(w.pid), ", ".join(w.platforms), ago(w.started_at, now), ago(w.seen_at, now)]
             for w in status.workers],
        )
    if status.stale_workers:
        lines.append("  " + ngettext("({count} stopped process not seen since)",
                                     "({count} stopped processes not seen since)",
                                     status.stale_workers).format(count=status.stale_workers))

    lines += ["", _("Table sizes (rows)")]
    lines += table([_("table"), _("rows")], [[name, str(rows)] for name, rows in status.tables.items()])
    if status.retention:
        lines.append("  " + _("retention: finished deliveries {deliveries}, stored button actions {buttons} "
                              "(ALUMNI_RETENTION_DAYS, ALUMNI_BUTTON_RETENTION_DAYS)").format(
            deliveries=_days(status.retention["delivery_days"]), buttons=_days(status.retention["button_days"])))
        if "audit_days" in status.retention:
            lines.append("  " + _("audit trail kept {days} (ALUMNI_AUDIT_RETENTION_DAYS)").format(
                days=_days(status.retention["audit_days"])))
    if status.limits:
        lines += ["", _("Command limits (in each bot process; ALUMNI_RATE_MEMBER_*, ALUMNI_RATE_CHAT_*)")]
        lines.append("  " + _("per account: {member}; per chat: {chat}").format(
            member=_rate(status.limits["member"]), chat=_rate(status.limits["chat"])))
    lines.append("  " + ngettext("link codes: {count} account waiting after wrong codes",
                                 "link codes: {count} accounts waiting after wrong codes",
                                 status.link_waiting).format(count=status.link_waiting))
    if "announcements" in status.limits:
        per_day = status.limits["announcements"]["per_day"]
        value = ngettext("{count} a day per sender", "{count} a day per sender", per_day).format(count=per_day) \
            if per_day else _("no limit")
        lines.append("  " + _("announcements from chat: {value} (ALUMNI_ANNOUNCE_PER_DAY)").format(value=value))
    return lines


def _rate(limit: dict[str, int]) -> str:
    if not limit["per_minute"] or not limit["burst"]:
        return _("no limit")
    return _("{count} a minute, up to {burst} at once").format(count=limit["per_minute"], burst=limit["burst"])


def _days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=count)

"""``alumni status``: the numbers (core query) and the command (human and --json), on both databases."""
from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bots.cli.main import main
from core.db.engine import Database
from core.db.models import Delivery, Identity, JobRun, Member, Worker
from core.db.types import utcnow
from core.operations.status import read_status



def _row(number: int, platform: str, status: str, due: datetime, **extra: object) -> Delivery:
    return Delivery(key=f"k{number}", kind=extra.pop("kind", "notice"), platform=platform, target=f"u{number}",
                    payload={"reply": {"text": "x"}}, status=status, due_at=due, **extra)


async def seed(url: str, NOW: datetime) -> None:
    """A known mix: queue, results old and recent, unreachable people, two job runs, live and dead workers."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            n = iter(range(1, 1000))
            rows = [
                _row(next(n), "telegram", "pending", NOW - timedelta(minutes=4, seconds=10)),  # late: the oldest
                _row(next(n), "telegram", "pending", NOW - timedelta(seconds=5)),
                _row(next(n), "telegram", "pending", NOW + timedelta(hours=2)),  # not due yet
                _row(next(n), "telegram", "sending", NOW, claimed_by="w1", lease_until=NOW + timedelta(seconds=30)),
                _row(next(n), "telegram", "sent", NOW - timedelta(minutes=10), sent_at=NOW - timedelta(minutes=10)),
                _row(next(n), "telegram", "sent", NOW - timedelta(hours=5), sent_at=NOW - timedelta(hours=5),
                     kind="reminder"),
                _row(next(n), "telegram", "sent", NOW - timedelta(days=3), sent_at=NOW - timedelta(days=3)),
                _row(next(n), "telegram", "failed", NOW - timedelta(hours=1), last_error="PermanentError: 400"),
                _row(next(n), "telegram", "failed", NOW - timedelta(days=2)),
                _row(next(n), "telegram", "unreachable", NOW - timedelta(hours=3)),
                _row(next(n), "slack", "pending", NOW - timedelta(seconds=30)),
                _row(next(n), "slack", "sent", NOW - timedelta(minutes=90), sent_at=NOW - timedelta(minutes=90)),
                _row(next(n), "discord", "unreachable", NOW - timedelta(days=4)),
                _row(next(n), "discord", "pending", NOW + timedelta(hours=3), kind="reminder"),
            ]
            session.add_all(rows)
            for platform, user, since in (("telegram", "a", NOW - timedelta(hours=2)),
                                          ("telegram", "b", NOW - timedelta(days=9)),
                                          ("discord", "c", NOW - timedelta(days=4)),
                                          ("slack", "d", None)):
                member = Member(language="en")
                session.add(member)
                await session.flush()
                session.add(Identity(member_id=member.id, platform=platform, user_id=user, unreachable_since=since))
            session.add_all([
                JobRun(name="announcements.plan", worker_id="web-1:41:aa", started_at=NOW - timedelta(seconds=3),
                       finished_at=NOW - timedelta(seconds=3) + timedelta(milliseconds=40), ok=True, runs=1200),
                JobRun(name="events.mirror", worker_id="web-2:7:bb", started_at=NOW - timedelta(minutes=20),
                       finished_at=NOW - timedelta(minutes=20), ok=False, error="TransientError: 502", runs=4),
                Worker(id="web-1:41:aa", host="web-1", pid=41, platforms=["telegram", "slack"],
                       started_at=NOW - timedelta(hours=3), seen_at=NOW - timedelta(seconds=4)),
                Worker(id="web-2:7:bb", host="web-2", pid=7, platforms=["discord"],
                       started_at=NOW - timedelta(hours=6), seen_at=NOW - timedelta(minutes=15)),
            ])
    finally:
        await db.dispose()


async def test_status_numbers(database_url: str) -> None:
    from core.app import prepare_database

    await prepare_database(database_url)
    NOW = utcnow()
    await seed(database_url, NOW)
    db = Database(database_url)
    try:
        async with db.sessions() as session:
            status = await read_status(session, now=NOW)
    finally:
        await db.dispose()
    telegram, slack, discord = (status.platforms[p] for p in ("telegram", "slack", "discord"))
    assert (telegram.pending, telegram.due_now, telegram.sending) == (3, 2, 1)
    assert telegram.oldest_due_seconds == pytest.approx(250, abs=1)
    assert (telegram.failed, telegram.failed_24h, telegram.unreachable, telegram.unreachable_24h) == (2, 1, 1, 1)
    assert (telegram.sent_1h, telegram.sent_24h) == (1, 2)
    assert (telegram.unreachable_identities, telegram.unreachable_identities_24h) == (2, 1)
    assert (slack.pending, slack.due_now, slack.sent_1h, slack.sent_24h, slack.unreachable_identities) == (1, 1, 0, 1, 0)
    assert (discord.unreachable, discord.unreachable_24h, discord.unreachable_identities) == (1, 0, 1)
    assert (discord.pending, discord.due_now, discord.oldest_due_seconds) == (1, 0, None)
    assert status.last_reminder_sent_at == NOW - timedelta(hours=5)
    assert (status.reminders_waiting, status.next_reminder_due_at) == (1, NOW + timedelta(hours=3))
    assert [(j.name, j.ok, j.runs) for j in status.jobs] == [("announcements.plan", True, 1200),
                                                             ("events.mirror", False, 4)]
    assert [(w.host, w.pid, w.platforms) for w in status.workers] == [("web-1", 41, ["telegram", "slack"])]
    assert status.stale_workers == 1
    assert status.tables["deliveries"] == 14 and status.tables["identities"] == 4
    assert status.tables["stored_actions"] == status.tables["link_attempts"] == 0
    assert status.retention == {"delivery_days": 30, "button_days": 7, "audit_days": 365}
    assert status.tables["audit_entries"] == 0


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    for name in ("ALUMNI_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.chdir(tmp_path)

    def run(url: str, *argv: str) -> tuple[int, str, str]:
        monkeypatch.setenv("ALUMNI_DATABASE_URL", url)
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_status_command(database_url: str, run_cli) -> None:
    code, _out, err = run_cli(database_url, "db", "upgrade")
    assert code == 0, err
    asyncio.run(seed(database_url, utcnow()))

    code, out, err = run_cli(database_url, "status")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    queue = lines[lines.index("Outbox queue") + 1:]
    assert queue[0].split() == ["platform", "pending", "due", "now", "sending", "oldest", "due"]
    assert queue[1].split()[:4] == ["telegram", "3", "2", "1"] and re.search(r"4 min 1\d s$", queue[1])
    # aligned: every number of a column ends where its header ends
    assert queue[1].index("3") + 1 == queue[0].index("pending") + len("pending")
    assert queue[2].rstrip().endswith("-")  # discord: nothing due
    results = lines[lines.index("Deliveries (in brackets: last 24 h)") + 1:]
    assert results[1].split() == ["telegram", "1", "2", "2", "(1)", "1", "(1)", "2", "(1)"]
    jobs = "\n".join(lines[lines.index("Periodic jobs"):])
    assert "announcement planning" in jobs and "1200" in jobs and "web-1:41:aa" in jobs
    assert "events.mirror" in jobs and "failed: TransientError: 502" in jobs
    assert re.search(r"reminders: last sent 5 h 00 min ago, 1 waiting, next due in 2 h 59 min$", jobs, re.M)
    assert "1 live bot process (seen in the last 15 s)" in out
    assert any(line.split()[:4] == ["web-1", "41", "telegram,", "slack"] for line in lines)
    assert "(1 stopped process not seen since)" in out
    sizes = lines[lines.index("Table sizes (rows)") + 1:]
    assert sizes[0].split() == ["table", "rows"] and "deliveries 14" in [" ".join(l.split()) for l in sizes]
    assert ("  retention: finished deliveries 30 days, stored button actions 7 days "
            "(ALUMNI_RETENTION_DAYS, ALUMNI_BUTTON_RETENTION_DAYS)") in lines

    code, out, err = run_cli(database_url, "status", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == {"database", "at", "platforms", "jobs", "last_reminder_sent_at", "reminders_waiting",
                         "next_reminder_due_at", "workers", "stale_workers", "tables", "retention", "limits",
                         "link_waiting"}
    assert data["tables"]["deliveries"] == 14 and data["retention"] == {"delivery_days": 30, "button_days": 7,
                                                                             "audit_days": 365}
    assert data["platforms"]["telegram"] | {"oldest_due_seconds": 0} == {
        "pending": 3, "due_now": 2, "sending": 1, "oldest_due_seconds": 0, "failed": 2, "failed_24h": 1,
        "unreachable": 1, "unreachable_24h": 1, "sent_1h": 1, "sent_24h": 2, "unreachable_identities": 2,
        "unreachable_identities_24h": 1,
    }
    assert data["platforms"]["telegram"]["oldest_due_seconds"] >= 250
    assert data["jobs"][0]["name"] == "announcements.plan" and data["jobs"][0]["finished_at"].endswith("Z")
    assert [w["id"] for w in data["workers"]] == ["web-1:41:aa"] and data["stale_workers"] == 1


def test_status_without_database(run_cli, tmp_path: Path) -> None:
    """Unreachable or missing: one line on stderr, exit 1, no password, nothing created."""
    code, out, err = run_cli("postgresql://alumni:s3cr3tpass@127.0.0.1:1/alumni", "status")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "s3cr3tpass" not in err and "Traceback" not in err
    assert "cannot use the database" in err

    missing = tmp_path / "nowhere" / "alumni.db"
    code, out, err = run_cli(f"sqlite:///{missing}", "status", "--json")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert not missing.parent.exists()

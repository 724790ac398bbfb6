"""The retention policy: the periodic job prunes finished rows, never pending ones nor recent ones."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.messages import actions
from core.config import Settings
from core.db.engine import Database
from core.db.models import AuditEntry, Conversation, Delivery, Event, Identity, LinkAttempt, LinkCode, Member, StoredAction
from core.features import periodic_jobs
from core.retention import JOB, Retention, prune

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=40)  # past the default 30 days
RECENT = NOW - timedelta(days=3)


async def test_prune_removes_old_finished_rows_and_keeps_pending_recent_and_upcoming(db: Database) -> None:
    async with db.transaction() as session:
        member = Member(language="en")
        session.add(member)
        await session.flush()
        identity = Identity(member_id=member.id, platform="telegram", user_id="1")
        past = Event(uid="past@x", language="en", starts_local=datetime(2027, 4, 1, 18), timezone="UTC",
                     starts_at=OLD + timedelta(days=1))
        upcoming = Event(uid="next@x", language="en", starts_local=datetime(2027, 7, 1, 18), timezone="UTC",
                         starts_at=NOW + timedelta(days=30))
        session.add_all([identity, past, upcoming])
        await session.flush()

        def row(key: str, status: str, due: datetime, sent: datetime | None = None, event: Event | None = None) -> Delivery:
            return Delivery(key=key, kind="notice", platform="telegram", target="1", status=status, due_at=due,
                            sent_at=sent, event_id=None if event is None else event.id, created_at=due)

        session.add_all([
            *(row(f"old-{status}", status, OLD, OLD if status == "sent" else None)
              for status in ("sent", "failed", "unreachable", "expired", "skipped")),
            row("old-pending", "pending", OLD), row("old-sending", "sending", OLD),
            row("recent-sent", "sent", RECENT, RECENT),
            row("due-long-ago-sent-lately", "sent", OLD, RECENT),
            row("old-sent-past-event", "sent", OLD, OLD, past),
            row("old-sent-upcoming-event", "sent", OLD, OLD, upcoming),  # its key keeps it from being planned again
            StoredAction(key="a" * 16, payload="associations old", created_at=NOW - timedelta(days=8)),
            StoredAction(key="b" * 16, payload="associations recent", created_at=NOW - timedelta(days=6)),
            LinkCode(code_hash="old", member_id=member.id, created_at=OLD, expires_at=OLD + timedelta(minutes=10)),
            LinkCode(code_hash="live", member_id=member.id, created_at=NOW, expires_at=NOW + timedelta(minutes=10)),
            Conversation(identity_id=identity.id, chat_id="old", flow="newevent", step="title", updated_at=OLD),
            Conversation(identity_id=identity.id, chat_id="recent", flow="newevent", step="title", updated_at=RECENT),
            LinkAttempt(guesser="a" * 64, failures=3, attempted_at=NOW - timedelta(days=8)),
            LinkAttempt(guesser="b" * 64, failures=9, attempted_at=NOW - timedelta(days=2),  # still counting
                        blocked_until=NOW + timedelta(minutes=10)),
            AuditEntry(at=NOW - timedelta(days=366), source="cli", action="role.grant", object_id="year-old"),
            AuditEntry(at=OLD, source="cli", action="role.grant", object_id="kept"),  # past 30 days, within 365
        ])

    pruned = await prune(db, Retention.from_settings(Settings()), now=NOW, batch=2)  # several batches

    assert (pruned.deliveries, pruned.stored_actions, pruned.conversations, pruned.link_codes,
            pruned.link_attempts, pruned.audit_entries) == (6, 1, 1, 1, 1, 1)
    async with db.transaction() as session:
        kept = set(await session.scalars(select(Delivery.key)))
        assert kept == {"old-pending", "old-sending", "recent-sent", "due-long-ago-sent-lately", "old-sent-upcoming-event"}
        assert list(await session.scalars(select(StoredAction.payload))) == ["associations recent"]
        assert list(await session.scalars(select(LinkCode.code_hash))) == ["live"]
        assert len(list(await session.scalars(select(LinkAttempt.id)))) == 1
        assert list(await session.scalars(select(Conversation.chat_id))) == ["recent"]
        assert list(await session.scalars(select(AuditEntry.object_id))) == ["kept"]
    again = await prune(db, Retention(delivery_days=1, button_days=1, audit_days=30), now=NOW)
    assert (again.deliveries, again.stored_actions, again.audit_entries) == (2, 1, 1)  # shorter settings: the recent rows go too


async def test_a_button_shown_again_is_kept(db: Database) -> None:
    """A stored action is dated by the last time it was shown, so a button still in use is not pruned."""
    today = datetime.now(timezone.utc)
    async with db.transaction() as session:
        payload = await actions.encode(session, "associations", "x" * 80)
        (await session.get(StoredAction, payload[1:])).created_at = today - timedelta(days=30)
    async with db.transaction() as session:
        assert await actions.encode(session, "associations", "x" * 80) == payload  # shown again today
    assert (await prune(db, Retention(), now=today + timedelta(days=1))).stored_actions == 0
    async with db.transaction() as session:
        assert await actions.decode(session, payload) == ("associations", "x" * 80)


def test_the_pruning_job_is_registered_and_the_settings_are_read(monkeypatch) -> None:
    assert JOB in {job.name for job in periodic_jobs()}
    monkeypatch.setenv("ALUMNI_RETENTION_DAYS", "90")
    monkeypatch.setenv("ALUMNI_BUTTON_RETENTION_DAYS", "14")
    monkeypatch.setenv("ALUMNI_AUDIT_RETENTION_DAYS", "730")
    assert Retention.from_settings(Settings.from_env()) == Retention(delivery_days=90, button_days=14, audit_days=730)
    monkeypatch.setenv("ALUMNI_RETENTION_DAYS", "0")
    try:
        Settings.from_env()
    except ValueError as error:
        assert "ALUMNI_RETENTION_DAYS" in str(error)
    else:
        raise AssertionError("0 days accepted")

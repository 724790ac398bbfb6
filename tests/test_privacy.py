"""``mydata`` exports every row about a member; ``forget`` leaves none, on every platform.

The schema is walked: every column that points at a member or an identity must be covered
by the export and be empty of the member after ``forget``, so a new table cannot be missed.
"""
from __future__ import annotations

import getpass
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, or_, select

from core.access import forget_finished
from core.audit import Actor
from core.messages import actions
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind
from core.db.engine import Database
from core.db.models import (
    AuditEntry,
    Announcement,
    Base,
    Channel,
    ChannelBinding,
    Conversation,
    Delivery,
    Event,
    Identity,
    LinkAttempt,
    Member,
    Rsvp,
)
from core.db.types import utcnow
from core.delivery.outbox import enqueue
from core.directory.importer import import_rows
from tests.chat import Person
from tests.events_helpers import make_event, member_id_of

PLATFORMS = ["telegram", "discord", "slack", "console"]

# Each table holding a member's data -> the key of the export that shows it.
EXPORTED = {
    "members": "member",
    "identities": "identities",
    "memberships": "channels",
    "role_grants": "roles",
    "rsvps": "event_answers",
    "events": "events_created",
    "announcements": "announcements_sent",
    "deliveries": "messages_to_you",
    "conversations": "conversations",
    "link_codes": "link_codes",
    "stored_actions": "button_commands",
    "channel_bindings": "chat_bindings",
}
# Kept after ``forget`` on purpose, under a keyed hash that names nobody (core.linking), but exported.
KEPT_AFTER_FORGET = {"link_attempts": "failed_link_attempts"}


def personal_columns() -> list[tuple[str, str, str]]:
    """(table, column, "members" | "identities") for every foreign key to a person."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name in ("members", "identities"):
                    found.append((table.name, column.name, key.column.table.name))
    return found


def test_every_table_about_a_member_is_exported() -> None:
    tables = {table for table, _column, _to in personal_columns()} | {"members"}
    assert tables <= set(EXPORTED), f"not in mydata: {tables - set(EXPORTED)}"


async def _fill(db: Database, person: Person, other: Person) -> tuple[int, int]:
    """The member in every table: channels, a role, answers (one holding the only place),
    an event they created, an announcement, deliveries, a conversation, a link code and a failed attempt;
    in the audit trail, as the one granted a role and as the one who edited an event."""
    await person.send("/language fr")
    await person.send("/join health")
    await person.send("/link")
    await person.send("/link 999999")  # a failed attempt
    await person.send("/forget")  # a conversation waiting for the confirmation... then cancelled below
    await person.press_action("forget no")
    await person.send("/country")  # leaves a conversation or not; the export lists what there is
    event_id = await make_event(db, datetime(utcnow().year + 1, 6, 1, 18, 0), capacity=1)
    await person.send(f"/rsvp {event_id} yes")
    await other.send(f"/rsvp {event_id} yes")  # on the waiting list
    member_id = await member_id_of(db, person.user_id, person.platform)
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.member_id == member_id))
        channel = await session.scalar(select(Channel).where(Channel.slug == "health"))
        session.add(Conversation(identity_id=identity.id, chat_id="elsewhere", flow="announce", step="text",
                                 data={"text": "draft"}))
        created = await session.get(Event, event_id)
        created.created_by = member_id
        session.add(Announcement(channel_id=channel.id, sender_id=member_id, sender_name="Amel", texts={"fr": "Salut"}))
        from core.roles import grant_role

        await grant_role(session, member_id, "ambassador", "FR", actor=Actor.command_line())
        await actions.encode(session, "associations", "#2 a search long enough to be kept behind its button", member_id)
        session.add(ChannelBinding(channel_id=channel.id, platform=person.platform, chat_id="group-9", title="Santé",
                                   requested_by=member_id, approved_by=member_id, status="approved"))
        await enqueue(session, key="notice:privacy", kind="notice", platform=person.platform, target=person.user_id,
                      member_id=member_id, payload={"reply": {"text": "hi"}})
        await enqueue(session, key="notice:by-identity", kind="notice", platform=person.platform, target=person.user_id,
                      identity_id=identity.id, due_at=utcnow() + timedelta(days=1), payload={"reply": {"text": "later"}})
        await enqueue(session, key="notice:by-target", kind="notice", platform=person.platform, target=person.user_id,
                      payload={"reply": {"text": "addressed by id only"}})
    await person.send(f"/editevent {event_id} place Lyon")  # as the ambassador granted above: in the audit trail
    return member_id, event_id


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_mydata_then_forget_leaves_nothing(db: Database, platform: str) -> None:
    service = CommandService(db)
    person = Person(service, user_id="501", platform=platform, chat=Chat("dm-501", ChatKind.PRIVATE))
    other = Person(service, user_id="502", platform=platform, chat=Chat("dm-502", ChatKind.PRIVATE))
    member_id, event_id = await _fill(db, person, other)
    other_id = await member_id_of(db, "502", platform)

    (reply,) = [r for r in await person.send("/mydata") if r.file is not None]
    assert reply.private and reply.file.filename.endswith(".json")
    exported = json.loads(reply.file.content)
    for table, key in {**EXPORTED, **KEPT_AFTER_FORGET}.items():
        assert exported[key], f"{table} ({key}) is empty in the export"
    assert exported["identities"][0]["user_id"] == "501"
    assert {m["kind"] for m in exported["messages_to_you"]} >= {"notice", "reminder"}
    texts = {m["content"].get("reply", {}).get("text") for m in exported["messages_to_you"]}
    assert {"hi", "later", "addressed by id only"} <= texts
    assert exported["announcements_sent"][0]["texts"] == {"fr": "Salut"}
    assert exported["events_created"][0]["id"] == event_id
    assert any(c["flow"] == "announce" for c in exported["conversations"])
    (attempts,) = exported["failed_link_attempts"]
    assert (attempts["platform"], attempts["wrong_codes_in_a_row"]) == (platform, 1)
    assert exported["chat_bindings"][0]["channel"] == "health" and exported["chat_bindings"][0]["approved_by_you"]
    assert "code_hash" not in json.dumps(exported)
    trail = exported["audit_trail"]
    assert [(e["action"], e["by_you"], e["from"], e["account"], e["object"]) for e in trail] == [
        ("role.grant", False, "cli", None, "member"), ("event.edit", True, platform, "501", "event")]
    assert trail[0]["object_id"] == str(member_id) and trail[1]["object_id"] == str(event_id)

    await person.send("/forget")
    assert not [r for r in person.last if r.file]
    await person.press_action("forget yes-")
    assert all(r.private for r in person.last)

    async with db.transaction() as session:
        identity_ids = list(await session.scalars(select(Identity.id).where(Identity.member_id == member_id)))
        assert identity_ids == []
        assert await session.get(Member, member_id) is None
        assert await session.scalar(select(Identity).where(Identity.platform == platform, Identity.user_id == "501")) is None
        for table_name, column, _to in personal_columns():
            table = Base.metadata.tables[table_name]
            if _to == "members":
                left = await session.scalar(select(func.count()).select_from(table).where(table.c[column] == member_id))
                assert left == 0, f"{table_name}.{column} still holds the member"
        # identities are gone, so nothing can point at them; nothing is addressed to their account either
        assert await session.scalar(select(func.count()).select_from(Delivery).where(
            or_(Delivery.member_id == member_id, Delivery.target == "501"))) == 0
        assert await session.scalar(select(func.count()).select_from(Conversation).where(Conversation.chat_id == "dm-501")) == 0
        (guesser,) = await session.scalars(select(LinkAttempt.guesser))  # the count survives, naming nobody
        assert re.fullmatch(r"[0-9a-f]{64}", guesser)  # a keyed hash (any three digits may occur in one by chance)
        kept = await session.scalar(select(Announcement))
        assert (kept.sender_id, kept.sender_name, kept.texts) == (None, "", {"fr": "Salut"})
        assert (await session.get(Event, event_id)).created_by is None
        bound = await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == "group-9"))
        assert (bound.status, bound.requested_by, bound.approved_by) == ("approved", None, None)  # the chat stays bound
        # the trail keeps what was done, not by or to whom
        trail = (await session.execute(select(AuditEntry.action, AuditEntry.source, AuditEntry.actor_member_id,
                                              AuditEntry.actor_user_id, AuditEntry.object_id)
                                       .where(AuditEntry.action != "event.create").order_by(AuditEntry.id))).all()
        assert [tuple(row) for row in trail] == [("role.grant", "cli", None, getpass.getuser(), None),
                                                 ("event.edit", platform, None, None, str(event_id)),
                                                 # their announcement to a theme channel, which an ambassador
                                                 # may not address: stopped by the erasure, not sent nameless
                                                 ("announcement.cancel", platform, None, None, str(kept.id))]
        # the waiting list moved up: the other member holds the place and is told
        assert not (await session.get(Rsvp, (event_id, other_id))).waitlisted
        told = await session.scalars(select(Delivery.kind).where(Delivery.member_id == other_id))
        assert "notice" in list(told)


async def test_forget_needs_the_fresh_confirmation(db: Database) -> None:
    person = Person(CommandService(db), user_id="601")
    await person.send("/language en")
    await person.send("/forget yes-00000000")  # a guessed confirmation
    assert "expired" in person.text()
    await person.send("/forget")
    await person.press_action("forget no")
    await person.send("/forget yes-00000000")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 1


NEEDLES = ("zq501", "zq502", "Quillfeather")  # the member's account ids and name, as nobody else writes them
NOT_ABOUT_MEMBERS = {"associations", "directory_revision"}  # directory data, imported by administrators


async def _traces(db: Database, member_id: int, identity_ids: set[int]) -> list[str]:
    """Every cell of every table that still refers to the member: a foreign key to them or one of
    their accounts, their id inside a JSON payload, their account ids or their name anywhere."""
    found = []
    async with db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_ABOUT_MEMBERS:
                continue
            for row in (await session.execute(select(table))).mappings():
                for column in table.columns:
                    value = row[column.name]
                    targets = {key.column.table.name for key in column.foreign_keys}
                    if ("members" in targets and value == member_id) or ("identities" in targets and value in identity_ids):
                        found.append(f"{table.name}.{column.name} = {value}")
                    text = json.dumps(value, ensure_ascii=False, default=str)
                    if any(needle.casefold() in text.casefold() for needle in NEEDLES) or \
                            f'"member_id": {member_id},' in text or f'"member_id": {member_id}}}' in text:
                        found.append(f"{table.name}.{column.name} = {text[:80]}")
    return found


async def test_forget_leaves_no_trace_in_any_table(db: Database) -> None:
    """A member with two linked accounts, in every table (and a search of theirs kept behind a button):
    after ``forget``, no cell anywhere refers to them. The only rows allowed to outlive the erasure a
    moment are the ones taking their access back on their other platform, deleted once done."""
    service = CommandService(db)
    person = Person(service, user_id="zq501", platform="telegram", chat=Chat("dm-zq501", ChatKind.PRIVATE))
    other = Person(service, user_id="502", platform="telegram", chat=Chat("dm-502", ChatKind.PRIVATE))
    member_id, _event_id = await _fill(db, person, other)
    async with db.transaction() as session:
        identity = Identity(member_id=member_id, platform="discord", user_id="zq502", display_name="Zéphyrine Quillfeather")
        session.add(identity)
        health = await session.scalar(select(Channel).where(Channel.slug == "health"))
        session.add(ChannelBinding(channel_id=health.id, platform="discord", chat_id="9001", title="#health",
                                   data={"guild_id": "1", "role_id": "2"}, status="approved"))
        await enqueue(session, key="notice:to-discord", kind="notice", platform="discord", target="zq502",
                      identity_id=identity.id, payload={"reply": {"text": "hello Zéphyrine"}})
    name = "Quillfeather Riverside Alumni Circle of the Rhone Valley"
    await import_rows(db, [(n, {"name": f"{name} {n}", "country": "FR", "city": "Lyon"}) for n in range(1, 7)], actor=Actor.command_line())
    await person.send(f"/associations {name}")
    await person.press("▶")  # the next page, behind a button whose long command line is stored
    async with db.sessions() as session:
        identity_ids = set(await session.scalars(select(Identity.id).where(Identity.member_id == member_id)))
    assert await _traces(db, member_id, identity_ids)  # the check sees the member before the erasure

    await person.send("/forget")
    await person.press_action("forget yes-")

    async with db.transaction() as session:
        waiting = list(await session.scalars(select(Delivery).where(Delivery.target == "zq502")))
        assert [(d.kind, d.status, d.member_id, d.identity_id) for d in waiting] == [("access", "pending", None, None)]
        for row in waiting:  # the Discord bot took the role back
            row.status = "sent"
    await forget_finished(db)
    assert await _traces(db, member_id, identity_ids) == []

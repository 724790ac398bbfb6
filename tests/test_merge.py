"""Linking two accounts moves everything of the absorbed member to the profile it joins.

Through the real command layer and database (both backends): the account that types the code
(here Discord) is absorbed into the profile that issued it (here Telegram). Nothing it held may be
lost: answers (the stronger one when both answered), places on full events, reminder offsets,
channels, preferences and pending messages; a place freed by two answers becoming one goes to the
waiting list, whose first person is told.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.announcements.planning import create_announcement
from core import audit
from core.audit import Actor
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import AuditEntry, Channel, Delivery, Identity, Member, Membership, Rsvp
from core.roles import grant_role, revoke_role
from core.db.types import utcnow
from core.delivery.outbox import enqueue
from core.merging import stronger
from tests.chat import Person
from tests.events_helpers import make_event, member_id_of

NEXT_YEAR = utcnow().year + 1


def _code_of(person: Person) -> str:
    return person.text().split("\u2068")[1].split("\u2069")[0]


async def _link(db: Database, owner: Person, joining: Person) -> None:
    await owner.send("/link")
    await joining.send(f"/link {_code_of(owner)}")
    assert await member_id_of(db, joining.user_id, joining.platform) == await member_id_of(db, owner.user_id, owner.platform)


async def _answer(db: Database, event_id: int, member_id: int) -> Rsvp | None:
    async with db.transaction() as session:
        return await session.get(Rsvp, (event_id, member_id))


async def _people(db: Database) -> tuple[Person, Person, Person]:
    service = CommandService(db)
    owner = Person(service, user_id="10", platform="telegram")
    joining = Person(service, user_id="20", platform="discord")
    third = Person(service, user_id="30", platform="slack")
    for person in (owner, joining, third):
        await person.send("/language en")
    return owner, joining, third


async def test_a_confirmed_place_on_a_full_event_survives_linking(db: Database) -> None:
    owner, joining, third = await _people(db)
    event_id = await make_event(db, datetime(NEXT_YEAR, 6, 1, 18, 0), capacity=1)
    await joining.send(f"/rsvp {event_id} yes")  # the only place
    await third.send(f"/rsvp {event_id} yes")  # waiting
    owner_id, third_id = await member_id_of(db, "10", "telegram"), await member_id_of(db, "30", "slack")

    await _link(db, owner, joining)

    kept = await _answer(db, event_id, owner_id)
    assert kept is not None and (kept.answer, kept.waitlisted) == ("yes", False)
    waiting = await _answer(db, event_id, third_id)
    assert waiting is not None and waiting.waitlisted  # the place was never free: nobody promoted
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.event_id == event_id)) == 2


async def test_both_answered_the_stronger_answer_stays_and_a_freed_place_promotes(db: Database) -> None:
    owner, joining, third = await _people(db)
    start = datetime(NEXT_YEAR, 6, 1, 18, 0)
    both_going = await make_event(db, start, capacity=2)
    maybe_over_no = await make_event(db, start, title="Forum")
    place_over_waiting = await make_event(db, start, title="Gala", capacity=1)
    yes_over_no = await make_event(db, start, title="Picnic")
    await owner.send(f"/rsvp {both_going} yes")
    await joining.send(f"/rsvp {both_going} yes")  # full: the two places are the same person's
    await third.send(f"/rsvp {both_going} yes")  # waiting
    await owner.send(f"/rsvp {maybe_over_no} no")
    await joining.send(f"/rsvp {maybe_over_no} maybe")
    await joining.send(f"/rsvp {place_over_waiting} yes")  # the place
    await owner.send(f"/rsvp {place_over_waiting} yes")  # waiting
    await owner.send(f"/rsvp {yes_over_no} yes")
    await joining.send(f"/rsvp {yes_over_no} no")
    owner_id, third_id = await member_id_of(db, "10", "telegram"), await member_id_of(db, "30", "slack")

    await _link(db, owner, joining)

    expected = {both_going: ("yes", False), maybe_over_no: ("maybe", False), place_over_waiting: ("yes", False),
                yes_over_no: ("yes", False)}
    for event_id, answer in expected.items():
        kept = await _answer(db, event_id, owner_id)
        assert kept is not None and (kept.answer, kept.waitlisted) == answer, (event_id, kept and kept.answer)
    promoted = await _answer(db, both_going, third_id)
    assert promoted is not None and not promoted.waitlisted  # the freed place went to the waiting list
    async with db.transaction() as session:
        told = list(await session.scalars(select(Delivery.key).where(
            Delivery.member_id == third_id, Delivery.kind == "notice")))
        assert any(":promoted:" in key for key in told), told
        # one answer per event for the profile, the waiting list of the gala holds nobody
        assert await session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.member_id == owner_id)) == 4
        assert await session.scalar(select(func.count()).select_from(Rsvp).where(
            Rsvp.event_id == place_over_waiting, Rsvp.waitlisted.is_(True))) == 0


async def test_offsets_channels_preferences_and_pending_messages_move(db: Database) -> None:
    owner, joining, _third = await _people(db)
    event_id = await make_event(db, datetime(NEXT_YEAR, 6, 1, 18, 0))
    await joining.send("/language fr")
    await joining.send("/timezone Europe/Paris")
    await joining.send("/reminders 30m")
    await joining.send("/join health")
    await joining.send(f"/rsvp {event_id} maybe")
    await owner.send("/join tn")
    await joining.send("/join tn")  # both in one channel: one membership, one announcement after linking
    joining_id, owner_id = await member_id_of(db, "20", "discord"), await member_id_of(db, "10", "telegram")
    async with db.transaction() as session:
        await enqueue(session, key="notice:waiting", kind="notice", platform="discord", target="20",
                      member_id=joining_id, payload={"reply": {"text": "waiting for you"}})
        tn = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        await create_announcement(session, tn, {"en": "Picnic on Sunday"}, sender_name="Ambassador", actor=Actor.command_line())
        # the audit trail: a role granted to the joining account then taken back (an account holding a role
        # cannot join a profile), and an action it took meanwhile as ambassador
        await grant_role(session, joining_id, "ambassador", "TN", actor=Actor.command_line())
        await revoke_role(session, joining_id, "ambassador", "TN", actor=Actor.command_line())
        identity = await session.scalar(select(Identity).where(Identity.platform == "discord", Identity.user_id == "20"))
        await audit.record(session, Actor.of(identity), audit.ANNOUNCEMENT_PLAN, object_kind="announcement", object_id=1)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.kind == "announcement")) == 2

    await _link(db, owner, joining)

    async with db.transaction() as session:
        member = await session.get(Member, owner_id)
        # the profile's own choices stand; what it had not chosen comes from the joining account
        assert (member.language, member.timezone, member.reminder_offsets) == ("en", "Europe/Paris", [30])
        channels = set(await session.scalars(
            select(Channel.slug).join(Membership, Membership.channel_id == Channel.id).where(Membership.member_id == owner_id)))
        assert channels == {"health", "tn"}
        assert await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.member_id == joining_id)) == 0
        waiting = await session.scalar(select(Delivery).where(Delivery.key == "notice:waiting"))
        assert waiting is not None and waiting.member_id == owner_id and waiting.status == "pending"
        reminders = list(await session.scalars(select(Delivery).where(
            Delivery.kind == "reminder", Delivery.status == "pending")))
        assert [(r.member_id, r.payload["offset"]) for r in reminders] == [(owner_id, 30)]
        announcements = list(await session.scalars(select(Delivery).where(
            Delivery.kind == "announcement", Delivery.status == "pending")))
        assert [a.member_id for a in announcements] == [owner_id]  # heard once
        trail = (await session.execute(select(AuditEntry.action, AuditEntry.source, AuditEntry.actor_member_id,
                                              AuditEntry.actor_user_id, AuditEntry.object_id)
                                       .where(AuditEntry.action != audit.EVENT_CREATE).order_by(AuditEntry.id))).all()
        assert [tuple(row) for row in trail] == [  # what the absorbed member did or underwent is the profile's now
            (audit.ANNOUNCEMENT_PLAN, "cli", None, Actor.command_line().user_id, str(trail[0][4])),
            (audit.ROLE_GRANT, "cli", None, Actor.command_line().user_id, str(owner_id)),
            (audit.ROLE_REVOKE, "cli", None, Actor.command_line().user_id, str(owner_id)),
            (audit.ANNOUNCEMENT_PLAN, "discord", owner_id, "20", "1"),
        ]


def test_the_stronger_answer_is_a_place_then_the_waiting_list_then_maybe_then_no() -> None:
    early, late = datetime(2030, 1, 1, 12, 0), datetime(2030, 1, 2, 12, 0)

    def rsvp(answer: str, waitlisted: bool = False, at: datetime = early, member: int = 1) -> Rsvp:
        return Rsvp(event_id=1, member_id=member, answer=answer, waitlisted=waitlisted, answered_at=at)

    ranked = [rsvp("yes"), rsvp("yes", waitlisted=True), rsvp("maybe"), rsvp("no")]
    for higher, lower in zip(ranked, ranked[1:]):
        assert stronger(higher, lower) and not stronger(lower, higher)
    # between two places in line, the one nearer the front; any other tie keeps the profile's own answer
    assert stronger(rsvp("yes", True, early, 2), rsvp("yes", True, late, 1))
    assert not stronger(rsvp("yes", True, late, 2), rsvp("yes", True, early, 1))
    assert not stronger(rsvp("maybe", at=early, member=2), rsvp("maybe", at=late))

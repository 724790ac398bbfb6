"""A channel that requires a second approval, and the per-sender quota (issue 13), through the command layer.

On Tunisia set to "approval required", an ambassador's announcement waits: nothing planned, nothing
sent, until another approver (the other ambassador, an administrator) presses Approve on the
notice they got in their language; the sender's own press and a stranger's are refused; Reject
cancels it and tells the sender. The quota refuses the next announcement in the sender's language
and creates nothing. The same end to end on Telegram: tests/test_telegram_announce_approval.py.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import audit
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Announcement, AuditEntry, Delivery
from core.roles import revoke_role
from tests.announce_helpers import channel, person
from tests.chat import Person


async def _tunisia(db: Database, required: bool = True) -> None:
    async with db.transaction() as session:
        (await channel(session, "tn")).approval = "required" if required else "none"
        await person(session, "console", "sami", language="fr", role="ambassador", country="TN", name="Sami")
        await person(session, "console", "leila", language="es", role="ambassador", country="TN")
        await person(session, "console", "bob", language="fr", channels=("tn",))


async def _announce(who: Person, text: str) -> None:
    await who.send("/announce tn")
    await who.send(text)
    await who.press_action("announce !preview")
    await who.press_action("announce !confirm")


async def _state(db: Database) -> tuple[list[str], int, list[str]]:
    async with db.transaction() as session:
        statuses = list(await session.scalars(select(Announcement.status).order_by(Announcement.id)))
        sent = await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.kind == "announcement"))
        actions = list(await session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("announcement.%")).order_by(AuditEntry.id)))
        return statuses, int(sent or 0), actions


async def _notice(db: Database, target: str) -> dict[str, Any]:
    async with db.transaction() as session:
        row = await session.scalar(select(Delivery).where(Delivery.kind == "notice", Delivery.target == target)
                                   .order_by(Delivery.id.desc()))
        assert row is not None
        return row.payload["reply"]


async def test_held_until_another_ambassador_approves(db: Database) -> None:
    await _tunisia(db)
    service = CommandService(db)
    sami, leila, bob = (Person(service, user_id=u) for u in ("sami", "leila", "bob"))
    await _announce(sami, "Réunion samedi")
    assert "approbation" in sami.text() and "Tunisie" in sami.text()
    assert await _state(db) == (["awaiting"], 0, [audit.ANNOUNCEMENT_SCHEDULE])

    notice = await _notice(db, "leila")  # in Spanish, with the text and the two buttons
    assert "Réunion samedi" in notice["text"] and "user sami" in notice["text"] and "aprob" in notice["title"]
    approve, reject = (b["action"] for b in notice["buttons"][0])
    assert approve.startswith("announcement approve ") and reject.startswith("announcement reject ")

    sami.last = bob.last = leila.last = []
    await sami.send("/" + approve)  # the sender cannot approve their own
    assert "propre" in sami.text()
    await bob.send("/" + approve)  # nor can a member who is no approver: refused in French
    assert "ambassadeur" in bob.text()
    await leila.send("/" + approve.rsplit(" ", 1)[0] + " 0000dead")  # a stale token names nothing
    assert await _state(db) == (["awaiting"], 0, [audit.ANNOUNCEMENT_SCHEDULE])

    await leila.send("/" + approve)
    assert "Túnez" in leila.text()
    statuses, sent, actions = await _state(db)
    assert statuses == ["planned"] and sent == 1  # Bob, the channel's one member
    assert actions == [audit.ANNOUNCEMENT_SCHEDULE, audit.ANNOUNCEMENT_APPROVE]
    await leila.send("/" + reject)  # too late: settled
    assert (await _state(db))[0] == ["planned"]


async def test_rejection_cancels_and_tells_the_sender(db: Database) -> None:
    await _tunisia(db)
    service = CommandService(db)
    sami, leila = Person(service, user_id="sami"), Person(service, user_id="leila")
    await _announce(sami, "Réunion samedi")
    reject = (await _notice(db, "leila"))["buttons"][0][1]["action"]
    await leila.send("/" + reject)
    assert "Rechaz" in leila.text()
    assert await _state(db) == (["cancelled"], 0, [audit.ANNOUNCEMENT_SCHEDULE, audit.ANNOUNCEMENT_CANCEL])
    told = await _notice(db, "sami")
    assert "approuvée" in told["text"] and "Tunisie" in told["text"]


async def test_quota_refuses_in_the_senders_language_and_creates_nothing(db: Database) -> None:
    await _tunisia(db, required=False)
    sami = Person(CommandService(db, announce_per_day=2), user_id="sami")
    await _announce(sami, "Un")
    await sami.press_action("announce !stop-")  # stopped once planned (rows were queued): still counted
    await _announce(sami, "Deux")
    await _announce(sami, "Trois")
    assert "24" in sami.text() and "annonces" in sami.text() and "à nouveau" in sami.text()
    assert (await _state(db))[0] == ["planned", "planned"]


async def test_approved_after_the_sender_lost_the_role_sends_nothing(db: Database) -> None:
    await _tunisia(db)
    service = CommandService(db)
    sami, leila = Person(service, user_id="sami"), Person(service, user_id="leila")
    await _announce(sami, "Réunion samedi")
    approve = (await _notice(db, "leila"))["buttons"][0][0]["action"]
    async with db.transaction() as session:
        sami_id = await session.scalar(select(Announcement.sender_id))
        await revoke_role(session, sami_id, "ambassador", "TN", actor=audit.Actor.command_line())
    (answer,) = await leila.send("/" + approve)  # she is not told it will go out
    assert answer.text == "Aprobado, pero el anuncio al canal Túnez no saldrá: quien lo envió ya no tiene derecho a anunciar en ese canal."
    assert (await _state(db))[:2] == (["refused"], 0)
    async with db.transaction() as session:
        assert await session.scalar(select(Delivery.target).where(Delivery.kind == "report")) == "sami"

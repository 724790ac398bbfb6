"""Who may do what: one table of every privileged action × actor × platform, through the command layer.

The country at stake is France. Actors: a plain member, the ambassador of another country
(Tunisia), the ambassador of France, an administrator; each speaks French. An allowed cell
must have its effect and its one audit entry (who, from which platform, on what); a refused cell
must answer with a clear French message and change nothing (a before/after snapshot of every
table but request bookkeeping: no audit entry either). Each platform's entries are then read
back through ``alumni audit --json``.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from bots.cli.main import main as alumni
from core import audit
from core.announcements.planning import create_announcement
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Reply, Request, Sender
from core.db.engine import Database
from core.db.models import Announcement, AuditEntry, ChannelBinding, Conversation, Event
from core.memberships import channel_by_slug
from core.roles import find_or_create_member, grant_role
from tests.chat import Person
from tests.events_helpers import make_event, member_with
from tests.hostile_inputs import count, untranslated
from tests.test_hostile_commands import snapshot

PLATFORMS = ("telegram", "discord", "slack", "console")
ACTORS = ("member", "ambassador_elsewhere", "ambassador", "administrator")
USER_IDS = {"telegram": "7001", "discord": "800000000000000001", "slack": "U0ACTOR", "console": "actor"}
GROUP = Chat("group-42", ChatKind.GROUP, "Anciens de France")


@dataclass
class Cell:
    db: Database
    service: CommandService
    platform: str
    event_id: int
    announcement_id: int = 0  # a scheduled announcement to France by another member (its sender)

    def person(self) -> Person:
        return Person(self.service, user_id=USER_IDS[self.platform], platform=self.platform, locale="fr-FR")

    def request(self, **fields: object) -> Request:
        sender = Sender(self.platform, USER_IDS[self.platform], f"user {USER_IDS[self.platform]}", "fr-FR")
        chat = fields.pop("chat", Chat("dm-1", ChatKind.PRIVATE))
        return Request(sender, chat, **fields)  # type: ignore[arg-type]

    async def count(self, model: type, *where: object) -> int:
        async with self.db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


Action = Callable[[Cell], Awaitable[tuple[list[Reply], bool]]]  # -> (all replies, the effect happened)

NEWEVENT_ANSWERS = {
    "title": "Apéro de printemps", "description": "!skip", "more": "!done", "start": "2031-06-01 19:00", "end": "2h",
    "zone": "Europe/Paris", "place": "Café de Flore", "place2": "!skip", "where": "fr", "capacity": "0",
}


async def _step(cell: Cell) -> str | None:
    async with cell.db.transaction() as session:
        return await session.scalar(select(Conversation.step).where(Conversation.flow == "newevent"))


async def newevent_chat(cell: Cell) -> tuple[list[Reply], bool]:
    person = cell.person()
    before = await cell.count(Event, Event.country_code == "FR")
    replies = list(await person.send("/newevent"))
    for _turn in range(14):
        step = await _step(cell)
        if step is None:
            break
        replies += await person.send(NEWEVENT_ANSWERS.get(step, "!confirm"))
    await person.send("/cancel")
    return replies, await cell.count(Event, Event.country_code == "FR") > before


async def editevent(cell: Cell) -> tuple[list[Reply], bool]:
    replies = await cell.person().send(f"/editevent {cell.event_id} title Soirée modifiée")
    async with cell.db.transaction() as session:
        event = await session.get(Event, cell.event_id)
        return replies, "Soirée modifiée" in str(event.texts)


async def cancelevent(cell: Cell) -> tuple[list[Reply], bool]:
    replies = await cell.person().send(f"/cancelevent {cell.event_id} !confirm")
    async with cell.db.transaction() as session:
        return replies, (await session.get(Event, cell.event_id)).status == "cancelled"


async def announce_chat(cell: Cell) -> tuple[list[Reply], bool]:
    person = cell.person()
    replies = list(await person.send("/announce fr"))
    if any(b.action == "announce !preview" for b in person.buttons()) or await cell.count(Conversation) > 0:
        replies += await person.send("Assemblée générale samedi à 18 h.")
        if any(b.action.startswith("announce !preview") for b in person.buttons()):
            replies += await person.press_action("announce !preview")
        if any(b.action.startswith("announce !confirm") for b in person.buttons()):
            replies += await person.press_action("announce !confirm")
    await person.send("/cancel")
    return replies, await cell.count(Announcement) > 0


async def announce_cancel(cell: Cell) -> tuple[list[Reply], bool]:
    """The cancel button of someone else's announcement, pressed (or forged): only administrators."""
    replies = await cell.person().send(f"/announce !stop-{cell.announcement_id}")
    async with cell.db.transaction() as session:
        return replies, (await session.get(Announcement, cell.announcement_id)).cancelled_at is not None


async def announcement_approve(cell: Cell) -> tuple[list[Reply], bool]:
    """Approving someone else's announcement held for a second approval (typed, or a forged button)."""
    replies = await cell.person().send(f"/announcement approve {cell.announcement_id}")
    async with cell.db.transaction() as session:
        return replies, (await session.get(Announcement, cell.announcement_id)).status != "awaiting"


async def _someone_elses_announcement(db: Database, held: bool = False) -> int:
    later = datetime.now(timezone.utc) + timedelta(days=2)
    async with db.transaction() as session:
        sender = await find_or_create_member(session, "console", "another-ambassador")
        await grant_role(session, sender.id, "ambassador", "FR", actor=audit.Actor.command_line())
        france = await channel_by_slug(session, "fr")
        announcement = await create_announcement(
            session, france, {"fr": "Assemblée générale"}, sender_id=sender.id, sender_name="Claire", send_at=later,
            actor=audit.Actor.command_line(), held=held)
        return announcement.id


def _bind(chat_admin: bool | None) -> Action:
    async def bind(cell: Cell) -> tuple[list[Reply], bool]:
        replies = await cell.service.handle(
            cell.request(chat=GROUP, command="bind", args="fr", chat_admin=chat_admin, bot_can_invite=True))
        return replies, await cell.count(ChannelBinding) > 0

    return bind


def _unbind(chat_admin: bool | None) -> Action:
    async def unbind(cell: Cell) -> tuple[list[Reply], bool]:
        replies = await cell.service.handle(
            cell.request(chat=GROUP, command="unbind", args="fr", chat_admin=chat_admin, bot_can_invite=True))
        return replies, await cell.count(ChannelBinding) == 0

    return unbind


def _binding(verb: str) -> Action:
    """An approver's button on a pending binding of France (asked by someone else): approve or reject."""
    async def press(cell: Cell) -> tuple[list[Reply], bool]:
        async with cell.db.transaction() as session:
            binding_id = await session.scalar(select(ChannelBinding.id))
        replies = await cell.service.handle(cell.request(action=f"binding {verb} {binding_id}"))
        if verb == "approve":
            return replies, await cell.count(ChannelBinding, ChannelBinding.status == "approved") > 0
        return replies, await cell.count(ChannelBinding) == 0

    return press


async def newevent_form(cell: Cell) -> tuple[list[Reply], bool]:
    values = {"title": "Pique-nique", "start": "2031-06-02 12:00", "zone": "Europe/Paris", "place": "Parc Monceau",
              "channel": "fr", "capacity": ""}
    replies = await cell.service.handle(cell.request(command="newevent", forms=True, form_values=values))
    return replies, await cell.count(Event, Event.country_code == "FR") > 1


async def announce_form(cell: Cell) -> tuple[list[Reply], bool]:
    values = {"channel": "fr", "text_fr": "Assemblée générale samedi."}
    replies = list(await cell.service.handle(cell.request(command="announce", forms=True, form_values=values)))
    confirm = next((r.form for r in replies if r.form is not None and r.form.args.startswith("!confirm")), None)
    if confirm is not None:
        replies += await cell.service.handle(cell.request(command="announce", args=confirm.args, forms=True, form_values={}))
    return replies, await cell.count(Announcement) > 0


ALL, NONE = set(ACTORS), set()
FRANCE = {"ambassador", "administrator"}
# action -> (how, who may, on which platforms)
TABLE: dict[str, tuple[Action, set[str], tuple[str, ...]]] = {
    "newevent (chat)": (newevent_chat, FRANCE, PLATFORMS),
    "editevent": (editevent, FRANCE, PLATFORMS),
    "cancelevent": (cancelevent, FRANCE, PLATFORMS),
    "announce (chat)": (announce_chat, FRANCE, PLATFORMS),
    "announce cancel (someone else's)": (announce_cancel, {"administrator"}, PLATFORMS),
    # held for a second approval: approved by France's ambassadors (not its sender) and administrators
    "announcement approve (someone else's)": (announcement_approve, FRANCE, PLATFORMS),
    # the platform cannot tell who administers the chat: only our administrators
    "bind (chat admin unknown)": (_bind(None), {"administrator"}, PLATFORMS),
    "unbind (chat admin unknown)": (_unbind(None), {"administrator"}, PLATFORMS),
    # the platform says the sender does not administer the chat: nobody, whatever their role here
    "bind (not a chat admin)": (_bind(False), NONE, PLATFORMS),
    "unbind (not a chat admin)": (_unbind(False), NONE, PLATFORMS),
    # the chat's own administrators decide for their chat
    "bind (chat admin)": (_bind(True), ALL, PLATFORMS),
    # a pending binding: approved or rejected by France's ambassadors and administrators only
    "binding approve (button)": (_binding("approve"), FRANCE, PLATFORMS),
    "binding unbind (button)": (_binding("unbind"), FRANCE, PLATFORMS),
    "newevent (Slack form)": (newevent_form, FRANCE, ("slack",)),
    "announce (Slack form)": (announce_form, FRANCE, ("slack",)),
}
# command -> the audit action an allowed cell records, on which kind of object (binding requests and
# approvals are recorded by the binding's own flow)
AUDITED = {
    "newevent": (audit.EVENT_CREATE, "event"),
    "editevent": (audit.EVENT_EDIT, "event"),
    "cancelevent": (audit.EVENT_CANCEL, "event"),
    "announce": (audit.ANNOUNCEMENT_PLAN, "announcement"),
    "announce cancel": (audit.ANNOUNCEMENT_CANCEL, "announcement"),
    "announcement approve": (audit.ANNOUNCEMENT_APPROVE, "announcement"),
}
def _audited_as(action: str) -> tuple[str, str] | None:
    return AUDITED.get(" ".join(action.split(" ")[:2])) or AUDITED.get(action.split(" ")[0])


CELLS = [(action, actor, platform) for action, (_how, _who, platforms) in TABLE.items() for platform in platforms for actor in ACTORS]


async def _actor(db: Database, platform: str, actor: str) -> int:
    role = {"member": {}, "ambassador_elsewhere": {"role": "ambassador", "role_country": "TN"},
            "ambassador": {"role": "ambassador", "role_country": "FR"}, "administrator": {"role": "administrator"}}[actor]
    return await member_with(db, USER_IDS[platform], language="fr", country="FR", zone="Europe/Paris", platform=platform, **role)


def assert_refused_clearly(replies: list[Reply]) -> None:
    shown = [r for r in replies if r.text or r.form_errors]
    assert shown, "a refusal must say so"
    for reply in replies:
        assert reply.language == "fr"
        text = reply.text + " ".join(reply.form_errors.values())
        assert not untranslated(text, "fr"), untranslated(text, "fr")


async def _audited_since(db: Database, last: int) -> list[tuple[object, ...]]:
    async with db.transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id))
        return [(e.id, e.action, e.source, e.actor_member_id, e.actor_user_id, e.object_kind, e.object_id) for e in rows]


async def _last_audit_id(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.max(AuditEntry.id))) or 0)


async def read_back(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    """``alumni audit --json ARGV`` on the test's database (in a thread: the command line runs its own loop)."""
    monkeypatch.setenv("ALUMNI_DATABASE_URL", url)
    monkeypatch.setenv("LANG", "C.UTF-8")
    capsys.readouterr()
    assert await asyncio.to_thread(alumni, ["audit", "--json", *argv]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_authorization_table(db: Database, database_url: str, platform: str, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Every (action, actor) cell of one platform, each from a clean slate of its own in one database."""
    service = CommandService(db)
    cells = [(action, actor) for action, actor, p in CELLS if p == platform]
    recorded: list[tuple[object, ...]] = []
    for action, actor in cells:
        async with db.transaction() as session:  # a clean slate: no event, binding, announcement, role
            for table in ("deliveries", "rsvps", "announcements", "events", "channel_bindings", "conversations",
                          "role_grants", "identities", "members"):
                await session.execute(text(f"DELETE FROM {table}"))
        event_id = await make_event(db, datetime(2031, 5, 4, 19, 0), country="FR", title="Soirée des anciens")
        member_id = await _actor(db, platform, actor)
        how, allowed, _platforms = TABLE[action]
        if action.startswith(("unbind", "binding")):
            async with db.transaction() as session:  # what there is to unbind (approved) or to approve (pending)
                channel = await channel_by_slug(session, "fr")
                status = "approved" if action.startswith("unbind") else "pending"
                session.add(ChannelBinding(channel_id=channel.id, platform=platform, chat_id=GROUP.chat_id, title="x", data={},
                                           status=status))
        announcement_id = (await _someone_elses_announcement(db, held=action.startswith("announcement approve"))
                           if action.startswith(("announce cancel", "announcement approve")) else 0)
        cell = Cell(db, service, platform, event_id, announcement_id)
        await cell.person().send("/help")  # the platform's name and locale for the identity are noted once
        before, last = await snapshot(db), await _last_audit_id(db)
        replies, happened = await how(cell)
        count("authorization cells")
        expected = _audited_as(action)
        if actor in allowed:
            assert happened, (action, actor, platform, [r.plain_text() for r in replies])
            if expected is not None:
                (entry,) = await _audited_since(db, last)
                assert entry[1:6] == (*expected[:1], platform, member_id, USER_IDS[platform], expected[1]), (action, actor)
                if action in ("editevent", "cancelevent"):
                    assert entry[6] == str(event_id)
                recorded.append(entry)
            else:  # binding actions write a request and, for an approver, its approval: all by this account
                entries = await _audited_since(db, last)
                assert all(e[1].startswith("binding.") and e[2:5] == (platform, member_id, USER_IDS[platform])
                           for e in entries), (action, actor, entries)
                recorded.extend(entries)
        else:
            assert not happened, (action, actor, platform)
            assert_refused_clearly(replies)
            assert await snapshot(db) == before, (action, actor, platform)
            assert await _audited_since(db, last) == [], (action, actor, platform)

    read = await read_back(database_url, monkeypatch, capsys, "--actor", f"{platform}:{USER_IDS[platform]}")
    assert [(e["id"], e["action"], e["source"], e["actor_member_id"], e["actor_user_id"], e["object_kind"],
             e["object_id"]) for e in read] == recorded
    audited_actions = {expected[0] for expected in AUDITED.values()}
    assert sum(1 for e in recorded if e[1] in audited_actions) == sum(
        1 for action, actor in cells if _audited_as(action) is not None and actor in TABLE[action][1])


def test_the_table_covers_every_privileged_command() -> None:
    """A new privileged command (its description says so, or it binds) must get a row here."""
    from core.commands.registry import commands
    from core.i18n import use_language

    with use_language("en"):
        privileged = {name for name, spec in commands().items()
                      if "ambassadors and administrators" in spec.description or name in ("bind", "unbind", "binding")}
    covered = {action.split(" ")[0] for action in TABLE}
    assert privileged <= covered, privileged - covered

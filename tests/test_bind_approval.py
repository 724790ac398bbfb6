"""Binding a chat to a channel needs the network's consent (issue 13), through the command layer.

A stranger administering a group named "OFFICIAL Tunisia Alumni" asks to bind it to Tunisia:
until an administrator or a Tunisian ambassador approves, joining hands out nothing and no
announcement goes there. The approvers hear of it in their language, with buttons whose
press is authorized again; every request, approval and unbind is in the audit trail.
The same through Telegram and Discord: tests/test_telegram_conversation.py and
tests/test_discord_conversation.py; the command line: tests/test_cli_bindings.py.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import audit, bindings
from core.announcements.planning import count_recipients, create_announcement
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Reply, Request, Sender
from core.db.engine import Database
from core.db.models import AuditEntry, ChannelBinding, Delivery
from core.delivery.payload import reply_from_json
from tests.announce_helpers import channel
from tests.events_helpers import member_with
from tests.hostile_inputs import untranslated
from tests.test_hostile_commands import snapshot

GROUP = Chat("-100999", ChatKind.GROUP, "OFFICIAL Tunisia Alumni")


def sender(user: str, platform: str = "telegram", locale: str | None = None) -> Sender:
    return Sender(platform, user, f"name {user}", locale)


async def ask(service: CommandService, user: str, slug: str = "tn", chat: Chat = GROUP, command: str = "bind") -> Reply:
    (reply,) = await service.handle(Request(sender(user), chat, command=command, args=slug, chat_admin=True, bot_can_invite=True))
    return reply


async def press(service: CommandService, who: Sender, action: str) -> list[Reply]:
    return await service.handle(Request(who, Chat(f"dm-{who.user_id}"), action=action))


async def the_binding(db: Database) -> ChannelBinding | None:
    async with db.transaction() as session:
        return await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == GROUP.chat_id))


async def notices(db: Database, prefix: str = "notice:binding:") -> dict[str, dict[str, Any]]:
    """target -> the reply JSON of each binding notice."""
    async with db.transaction() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.key.like(f"{prefix}%")))
        return {row.target: row.payload["reply"] for row in rows}


async def trail(db: Database) -> list[tuple[str, str, str | None, str | None]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.source, AuditEntry.actor_user_id, AuditEntry.object_id)
            .where(AuditEntry.action.like("binding.%")).order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


async def chat_pushes(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Delivery.target).where(Delivery.kind == "announcement", Delivery.to_chat)))


async def announce(db: Database, text: str) -> int:
    async with db.transaction() as session:
        tn = await channel(session, "tn")
        await create_announcement(session, tn, {"en": text}, actor=audit.Actor.command_line())
        return await count_recipients(session, tn.id)


async def test_a_strangers_binding_gets_nothing_until_an_approver_says_yes(db: Database) -> None:
    service = CommandService(db)
    await member_with(db, "root", platform="telegram", language="fr", role="administrator")
    await member_with(db, "U0AMB", platform="slack", language="ar", role="ambassador", role_country="TN")
    await member_with(db, "fr-amb", platform="telegram", language="en", role="ambassador", role_country="FR")
    await member_with(db, "bob", platform="telegram", language="fr")

    reply = await ask(service, "stranger")
    assert "approve" in reply.text and "nobody is sent here" in reply.text
    binding = await the_binding(db)
    assert binding is not None and binding.status == "pending" and binding.approved_at is None

    # nobody is sent there, nothing is announced there
    (joined,) = await service.handle(Request(sender("bob", locale="fr-FR"), Chat("dm-bob"), command="join", args="tn"))
    assert joined.access == []
    assert await announce(db, "Hello before") == 1 and await chat_pushes(db) == []

    # one notice per approver (the administrator, the Tunisian ambassador: not France's), in their language
    sent = await notices(db)
    assert set(sent) == {"root", "U0AMB"}
    assert (sent["root"]["language"], sent["U0AMB"]["language"]) == ("fr", "ar") and sent["U0AMB"]["rtl"]
    for language, raw in (("fr", sent["root"]), ("ar", sent["U0AMB"])):
        notice = reply_from_json(raw)
        assert "OFFICIAL Tunisia Alumni" in notice.text and not untranslated(notice.text, language)
        token = bindings.token(binding)
        assert [b.action for b in notice.buttons[0]] == [f"binding approve {binding.id} {token}",
                                                         f"binding unbind {binding.id} {token}"]

    # the button forwarded to someone else, or pressed by France's ambassador: refused in their language, nothing changes
    for who in ("fr-amb", "root"):  # their names are noted once
        await service.handle(Request(sender(who), Chat(f"dm-{who}"), command="help"))
    before = await snapshot(db)
    for who in (sender("bob", locale="fr-FR"), sender("fr-amb")):
        for action in (f"binding approve {binding.id}", f"binding unbind {binding.id}"):
            (refused,) = await press(service, who, action)
            assert "Tunisia" in refused.text or "Tunisie" in refused.text
    (refused,) = await press(service, sender("bob"), f"binding approve {binding.id}")
    assert refused.language == "fr" and not untranslated(refused.text, "fr")
    # an approver pressing the button of another request that had this number (SQLite reuses them): nothing
    (stale,) = await press(service, sender("root"), f"binding approve {binding.id} 0123abcd")
    assert "n’y a pas de liaison" in stale.text
    assert await snapshot(db) == before

    # the Tunisian ambassador approves from Slack
    (approved,) = await press(service, sender("U0AMB", "slack"), f"binding approve {binding.id}")
    assert approved.language == "ar" and approved.edit
    binding = await the_binding(db)
    assert binding.status == "approved" and binding.approved_at is not None and binding.approved_by is not None
    (again,) = await press(service, sender("root"), f"binding approve {binding.id}")  # the other approver, late
    assert again.language == "fr" and (await the_binding(db)).status == "approved"

    # now joining hands out the group, and announcements reach it
    (joined,) = await service.handle(Request(sender("carol"), Chat("dm-carol"), command="join", args="tn"))
    assert [a.chat_id for a in joined.access] == [GROUP.chat_id]
    assert await announce(db, "Hello after") == 3 and await chat_pushes(db) == [GROUP.chat_id]
    # the requester heard the answer
    assert list(await notices(db, "notice:binding:%:approved:")) == ["stranger"]
    assert await trail(db) == [
        (audit.BINDING_REQUEST, "telegram", "stranger", str(binding.id)),
        (audit.BINDING_APPROVE, "slack", "U0AMB", str(binding.id)),
    ]


async def test_who_approves_and_what_a_second_bind_or_an_unbind_does(db: Database) -> None:
    service = CommandService(db)
    await member_with(db, "amb", platform="telegram", role="ambassador", role_country="TN")
    await member_with(db, "root", platform="telegram", role="administrator")

    # an ambassador binding their own group to their country's channel is entitled: approved at once
    await ask(service, "amb")
    binding = await the_binding(db)
    assert binding.status == "approved" and await notices(db) == {}
    # a plain chat administrator binding it again changes nothing of the approval
    reply = await ask(service, "stranger")
    assert "already" in reply.text and (await the_binding(db)).status == "approved"

    # a theme channel: only administrators approve, an ambassador may not
    other = Chat("-100888", ChatKind.GROUP, "Santé")
    reply = await ask(service, "stranger", "health", other)
    assert "administrator approves" in reply.text
    async with db.transaction() as session:
        pending = await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == other.chat_id))
    assert set(await notices(db)) == {"root"}
    (refused,) = await press(service, sender("amb"), f"binding approve {pending.id}")
    assert "Only an administrator can" in refused.text
    # asked twice, still pending, told so, the approvers not told twice
    reply = await ask(service, "stranger", "health", other)
    assert "still waits" in reply.text and len(await notices(db)) == 1

    # the chat's administrator unbinds a pending binding: it is gone, and recorded
    await ask(service, "stranger", "health", other, command="unbind")
    async with db.transaction() as session:
        assert await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == other.chat_id)) is None
    # rejecting from the notice removes the binding and tells the requester
    await ask(service, "stranger", "health", other)
    async with db.transaction() as session:
        pending = await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == other.chat_id))
    (removed,) = await press(service, sender("root"), f"binding unbind {pending.id}")
    assert "Removed" in removed.text and removed.edit
    assert list(await notices(db, "notice:binding:%:refused:")) == ["stranger"]
    (gone,) = await press(service, sender("root"), f"binding unbind {pending.id}")
    assert "no binding number" in gone.text
    (bad,) = await press(service, sender("root"), "binding approve 99999999999")
    assert "number of the binding" in bad.text
    actions = [a for a, *_rest in await trail(db)]
    assert actions == [
        audit.BINDING_REQUEST, audit.BINDING_APPROVE,  # the ambassador's own, approved at once
        audit.BINDING_REQUEST, audit.BINDING_UNBIND,  # health, unbound by the chat's administrator
        audit.BINDING_REQUEST, audit.BINDING_UNBIND,  # health again, rejected by the administrator
    ]


async def test_an_approver_binding_a_pending_chat_again_approves_it(db: Database) -> None:
    service = CommandService(db)
    await member_with(db, "amb", platform="telegram", role="ambassador", role_country="TN")
    assert "approves" in (await ask(service, "stranger")).text
    reply = await ask(service, "amb")  # the ambassador administers the group too
    assert "now bound" in reply.text and (await the_binding(db)).status == "approved"
    assert [(a, who) for a, _s, who, _o in await trail(db)] == [
        (audit.BINDING_REQUEST, "stranger"), (audit.BINDING_APPROVE, "amb")]

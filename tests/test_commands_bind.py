"""Who may bind a chat to a channel: the platform reports, the core decides (same rule everywhere)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import Actor
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Request, Sender
from core.db.engine import Database
from core.db.models import Channel, ChannelBinding, Identity
from core.roles import grant_role
from tests.events_helpers import member_with

GROUP = Chat("C42", ChatKind.GROUP, "Alumni <b>Deutschland</b>")


def bind(user: str, *, admin: bool | None, bot: bool | None, args: str = "Allemagne", platform: str = "slack",
         command: str = "bind", chat: Chat = GROUP) -> Request:
    return Request(Sender(platform, user, user), chat, command=command, args=args, chat_admin=admin, bot_can_invite=bot)


async def bound(db: Database) -> list[tuple[str, str, str, dict]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(ChannelBinding.platform, ChannelBinding.chat_id, Channel.slug, ChannelBinding.data).join(Channel)
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("admin", "bot", "stored"),
    [(False, True, False), (True, False, False), (None, True, False), (True, True, True), (True, None, True)],
)
async def test_rights_reported_by_the_platform(db: Database, admin: bool | None, bot: bool | None, stored: bool) -> None:
    service = CommandService(db)
    (reply,) = await service.handle(bind("u1", admin=admin, bot=bot))
    assert bool(await bound(db)) is stored, reply.text
    if not stored and bot is False:
        assert "/invite" in reply.text  # the platform's own words for what the bot lacks


async def test_private_chat_is_told_where_to_send_it(db: Database) -> None:
    (reply,) = await CommandService(db).handle(bind("u1", admin=True, bot=True, chat=Chat("D1")))
    assert "group" in reply.text and await bound(db) == []


async def test_our_administrators_may_bind_when_the_platform_cannot_tell(db: Database) -> None:
    service = CommandService(db)
    await service.handle(bind("root", admin=None, bot=None, command="help", args="", platform="discord"))
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == "discord", Identity.user_id == "root"))
        await grant_role(session, identity.member_id, "administrator", actor=Actor.command_line())
    request = Request(Sender("discord", "root", "root"), GROUP, command="bind", args="de", binding={"role_id": "77"})
    await service.handle(request)
    assert await bound(db) == [("discord", "C42", "de", {"role_id": "77"})]
    async with db.transaction() as session:
        assert (await session.scalar(select(ChannelBinding))).status == "approved"  # an approver asking: approved at once


async def test_rebind_updates_then_unbind_removes_only_this_chat(db: Database) -> None:
    service = CommandService(db)
    await member_with(db, "u1", platform="slack", role="administrator")  # approved at once: see test_bind_approval.py
    await service.handle(bind("u1", admin=True, bot=True))
    await service.handle(bind("u1", admin=True, bot=True, args="health"))
    other = Chat("C43", ChatKind.GROUP, "Other")
    await service.handle(bind("u1", admin=True, bot=True, chat=other))
    (reply,) = await service.handle(bind("u1", admin=True, bot=True))
    assert len(await bound(db)) == 3 and "already" in reply.text
    # a member joining Germany gets access to both bound Slack chats
    (joined,) = await service.handle(Request(Sender("slack", "u2", "u2"), Chat("D2"), command="join", args="de"))
    assert sorted(a.chat_id for a in joined.access) == ["C42", "C43"] and all(a.grant for a in joined.access)
    # unbind one channel, then the rest of this chat; the other chat stays bound
    await service.handle(bind("u1", admin=True, bot=True, command="unbind", args="health"))
    assert sorted(r[2] for r in await bound(db)) == ["de", "de"]
    await service.handle(bind("u1", admin=True, bot=True, command="unbind", args=""))
    assert await bound(db) == [("slack", "C43", "de", {})]
    (reply,) = await service.handle(bind("u1", admin=True, bot=True, command="unbind", args=""))
    assert await bound(db) == [("slack", "C43", "de", {})] and reply.text


async def test_binding_again_keeps_what_the_platform_stored_there(db: Database) -> None:
    service = CommandService(db)
    first = Request(Sender("discord", "a1", "a1"), GROUP, command="bind", args="de", chat_admin=True,
                    bot_can_invite=True, binding={"role_id": "77"})
    await service.handle(first)
    async with db.transaction() as session:
        binding = await session.scalar(select(ChannelBinding))
        binding.data = {**binding.data, "mirrored": {"uid-1": "9001"}}
    await service.handle(Request(first.sender, GROUP, command="bind", args="de", chat_admin=True, bot_can_invite=True,
                                 binding={"role_id": "78"}))
    assert (await bound(db))[0][3] == {"role_id": "78", "mirrored": {"uid-1": "9001"}}

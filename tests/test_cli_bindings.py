"""``alumni channels bindings|approve ID|unbind ID``: the operator approves or removes what chats asked."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from core import audit
from core.app import open_app
from core.messages.types import Chat, ChatKind, Request, Sender
from core.config import Settings
from core.db.models import AuditEntry, ChannelBinding
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures


def _in_chat(database_url: str, *requests: Request) -> None:
    async def send() -> None:
        app = await open_app(Settings(database_url=database_url))
        try:
            for request in requests:
                await app.commands.handle(request)
        finally:
            await app.close()

    asyncio.run(send())


def _state(database_url: str) -> tuple[list[tuple[int, str, str]], list[tuple[str, str, str | None]]]:
    async def read() -> tuple[list[tuple[int, str, str]], list[tuple[str, str, str | None]]]:
        app = await open_app(Settings(database_url=database_url))
        try:
            async with app.db.transaction() as session:
                bindings = [tuple(r) for r in await session.execute(
                    select(ChannelBinding.id, ChannelBinding.chat_id, ChannelBinding.status).order_by(ChannelBinding.id))]
                entries = [tuple(r) for r in await session.execute(
                    select(AuditEntry.action, AuditEntry.source, AuditEntry.object_id).order_by(AuditEntry.id))]
                return bindings, entries
        finally:
            await app.close()

    return asyncio.run(read())


def _bind(chat_id: str, title: str, slug: str) -> Request:
    return Request(Sender("slack", "U0STRANGER", "Mallory"), Chat(chat_id, ChatKind.GROUP, title), command="bind", args=slug,
                   chat_admin=True, bot_can_invite=True)


def test_bindings_listed_approved_and_unbound_from_the_command_line(cli, database_url: str) -> None:
    code, out, _ = cli("channels", "bindings")
    assert code == 0 and "no chat is bound" in out
    _in_chat(database_url, _bind("C1", "OFFICIAL Tunisia Alumni", "tn"), _bind("C2", "health-talk", "health"))
    (first, _c1, _s1), (second, _c2, _s2) = _state(database_url)[0]

    code, out, _ = cli("channels", "bindings", "--pending")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2 and all("awaiting approval" in line for line in lines)
    assert "slack:C1 (OFFICIAL Tunisia Alumni)" in out and " tn " in lines[1] and "asked by member" in out

    code, out, _ = cli("channels", "approve", str(first))
    assert code == 0 and f"binding {first} approved" in out and "tn" in out
    code, out, _ = cli("channels", "approve", str(first))
    assert code == 0 and "already approved" in out
    code, out, _ = cli("channels", "unbind", str(second))
    assert code == 0 and f"binding {second} removed" in out

    bindings, entries = _state(database_url)
    assert bindings == [(first, "C1", "approved")]
    assert entries == [
        (audit.BINDING_REQUEST, "slack", str(first)), (audit.BINDING_REQUEST, "slack", str(second)),
        (audit.BINDING_APPROVE, "cli", str(first)), (audit.BINDING_UNBIND, "cli", str(second)),
    ]
    code, out, _ = cli("channels", "bindings")
    assert code == 0 and "approved" in out and "C2" not in out
    code, out, _ = cli("channels", "bindings", "--pending")
    assert "no chat waits for approval" in out

    # bad input: one clear line, nothing changes
    for argv, expected in ((("channels", "approve", "999"), "no binding 999"), (("channels", "unbind", "x1"), "not a binding number")):
        code, out, err = cli(*argv)
        assert code != 0 and expected in err and len(err.strip().splitlines()) == 1, err
    assert _state(database_url)[0] == bindings

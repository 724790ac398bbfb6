"""``alumni channels set SLUG --approval required|none`` (issue 13): the operator makes a channel's
announcements wait for a second approval; ``alumni announce status`` shows one waiting; the command
line's own ``alumni announce`` (an administrator) is not held."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from core.app import open_app
from core.messages.types import Chat, ChatKind, Request, Sender
from core.config import Settings
from core.db.models import Announcement
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures
from tests.events_helpers import member_with


def _ambassador_announces(database_url: str) -> list[tuple[int, str]]:
    """Amel, Tunisia's ambassador, sends one through the chat flow; every announcement's (id, status)."""
    async def run() -> list[tuple[int, str]]:
        app = await open_app(Settings(database_url=database_url))
        try:
            await member_with(app.db, "amel", role="ambassador", role_country="TN")
            chat = Chat("dm-amel", ChatKind.PRIVATE)
            sender = Sender("console", "amel", "Amel")
            for fields in ({"command": "announce", "args": "tn"}, {"text": "Bonjour"}, {"action": "announce !preview"}):
                replies = await app.commands.handle(Request(sender, chat, **fields))  # type: ignore[arg-type]
            send = next(b.action for r in replies for row in r.buttons for b in row if "!confirm-" in b.action)
            await app.commands.handle(Request(sender, chat, action=send))
            async with app.db.transaction() as session:
                return [tuple(r) for r in await session.execute(  # type: ignore[misc]
                    select(Announcement.id, Announcement.status).order_by(Announcement.id))]
        finally:
            await app.close()

    return asyncio.run(run())


def test_approval_required_holds_chat_announcements_not_the_command_lines(cli, database_url: str) -> None:  # noqa: F811
    code, out, _ = cli("channels", "set", "tn", "--approval", "required")
    assert code == 0 and "tn" in out and "second approval" in out
    code, out, err = cli("announce", "--channel", "tn", "--text-fr", "De l'opérateur")
    assert code == 0, err
    [(_first, operator), (held, waiting)] = _ambassador_announces(database_url)
    assert (operator, waiting) == ("planned", "awaiting")
    code, out, _ = cli("announce", "status", str(held))
    assert code == 0 and "awaiting approval" in out
    code, out, _ = cli("announce", "approve", str(held))  # the operator, an administrator
    assert code == 0 and "approved" in out
    code, out, err = cli("announce", "approve", str(held))
    assert code != 0 and "does not wait for approval" in err

    code, out, _ = cli("channels", "set", "TN", "--approval", "none")
    assert code == 0 and "without a second approval" in out
    assert [status for _id, status in _ambassador_announces(database_url)][1:] == ["planned", "planned"]

    code, out, _ = cli("channels", "set", "tn")  # no option: the setting as it is
    assert code == 0 and "without a second approval" in out
    code, out, err = cli("channels", "set", "atlantis", "--approval", "required")  # one clear line
    assert code != 0 and "no channel 'atlantis'" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli("channels", "set", "tn", "--approval", "maybe")
    assert code != 0 and "maybe" in err


def test_a_changed_setting_is_in_the_audit_trail(cli, database_url: str) -> None:  # noqa: F811
    assert cli("channels", "set", "tn", "--approval", "required")[0] == 0
    assert cli("channels", "set", "tn")[0] == 0  # only showing it: nothing to record
    code, out, err = cli("audit", "--action", "channel.set", "--json")
    assert code == 0, err
    (entry,) = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert (entry["source"], entry["object_kind"], entry["object_id"], entry["details"]) == (
        "cli", "channel", "tn", {"approval": "required", "was": "none"})

"""A representative part of the authorization table through each platform's real adapter:
a plain member is refused (in French, nothing changed) where an administrator (or the
country's ambassador) gets through, and the audit trail names them with the platform they used
(a refusal leaves no entry). The whole table is in test_authorization.py, at the command layer
that every adapter calls.
"""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from bots.console.session import ConsoleSession
from bots.slack import runner as slack_runner
from core import audit
from core.app import App
from core.db.models import AuditEntry, Conversation, Event
from core.db.engine import Database
from tests.discord_fixtures import fake  # noqa: F401 - fixture
from tests.events_helpers import make_event, member_with
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack, SlackSender
from tests.fakes.telegram_api import FakeBotAPI
from tests.hostile_inputs import count, untranslated
from tests.test_discord_conversation import bot
from tests.test_discord_conversation import core as discord_core  # noqa: F401 - fixture
from tests.test_discord_conversation import exchange as discord_exchange, with_action
from tests.test_slack_conversation import core, exchange as slack_exchange, settings_for, slack  # noqa: F401
from tests.test_telegram_conversation import exchange as telegram_exchange, start_bot  # noqa: F401

WHEN = datetime(2031, 5, 4, 19, 0)


async def status(app: App, event_id: int) -> str:
    async with app.db.transaction() as session:
        return (await session.get(Event, event_id)).status


async def audited(db: Database) -> list[tuple[object, ...]]:
    """The trail but the command-line grants of the set-up: (action, source, member, account, object)."""
    async with db.transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.source != "cli").order_by(AuditEntry.id))
        return [(e.action, e.source, e.actor_member_id, e.actor_user_id, e.object_kind, e.object_id) for e in rows]


def french_refusal(text: str) -> None:
    assert text.strip() and not untranslated(text, "fr"), text
    assert "ambassad" in text.lower() or "administrat" in text.lower(), text


async def test_telegram_cancelevent_member_refused_administrator_allowed(api: FakeBotAPI, core: App) -> None:  # noqa: F811
    event_id = await make_event(core.db, WHEN, country="FR")
    await member_with(core.db, "1001", language="fr", country="FR", platform="telegram")
    admin = await member_with(core.db, "1002", language="fr", platform="telegram", role="administrator")
    application = await start_bot(api, core)
    try:
        calls = await telegram_exchange(api, lambda: api.push_message(f"/cancelevent {event_id} !confirm", user=api.user(1001)))
        french_refusal(calls[-1].params["text"])
        assert await status(core, event_id) == "scheduled"
        assert await audited(core.db) == []
        await telegram_exchange(api, lambda: api.push_message(f"/cancelevent {event_id} !confirm", user=api.user(1002)))
        assert await status(core, event_id) == "cancelled"
        assert await audited(core.db) == [(audit.EVENT_CANCEL, "telegram", admin, "1002", "event", str(event_id))]
    finally:
        from bots.telegram import runner

        await runner.stop(application)
    count("authorization cells through an adapter")
    count("authorization cells through an adapter")


async def test_slack_cancelevent_member_refused_ambassador_allowed(slack: FakeSlack, core: App) -> None:  # noqa: F811
    event_id = await make_event(core.db, WHEN, country="FR")
    slack.user("U1001", locale="fr-FR", tz="Europe/Paris")
    slack.user("U1002", locale="fr-FR", tz="Europe/Paris")
    await member_with(core.db, "U1001", language="fr", platform="slack", role="ambassador", role_country="TN")
    ambassador = await member_with(core.db, "U1002", language="fr", platform="slack", role="ambassador", role_country="FR")
    running = await slack_runner.start(settings_for(slack, core), core.commands, SimpleNamespace(port=0, listen="127.0.0.1"))
    try:
        sender = SlackSender(f"http://127.0.0.1:{running.port}{slack_runner.EVENTS_PATH}", slack)
        calls = await slack_exchange(slack, lambda: sender.command(f"cancelevent {event_id} !confirm", user="U1001"))
        french_refusal(calls[-1].params.get("text") or "")
        assert await status(core, event_id) == "scheduled"
        assert await audited(core.db) == []
        await slack_exchange(slack, lambda: sender.command(f"cancelevent {event_id} !confirm", user="U1002"))
        assert await status(core, event_id) == "cancelled"
        assert await audited(core.db) == [(audit.EVENT_CANCEL, "slack", ambassador, "U1002", "event", str(event_id))]
    finally:
        await slack_runner.stop(running)
    count("authorization cells through an adapter")
    count("authorization cells through an adapter")


async def test_discord_newevent_member_refused_ambassador_starts(fake: FakeDiscord, discord_core) -> None:  # noqa: F811
    app, _role_id = discord_core
    member, ambassador = fake.user(3001, "m", "Membre"), fake.user(3002, "a", "Ambassadrice")
    await member_with(app.db, "3001", language="fr", platform="discord")
    ambassador_id = await member_with(app.db, "3002", language="fr", platform="discord", role="ambassador",
                                      role_country="FR")
    event_id = await make_event(app.db, WHEN, country="FR")
    async with bot(fake, app):
        calls = await discord_exchange(fake, lambda: fake.slash("newevent", user=member, locale="fr"))
        french_refusal(calls[-1].text())
        async with app.db.transaction() as session:
            assert await session.scalar(select(Conversation)) is None
        await discord_exchange(fake, lambda: fake.slash("newevent", user=ambassador, locale="fr"))
        async with app.db.transaction() as session:
            assert (await session.scalar(select(Conversation))).flow == "newevent"
        assert await audited(app.db) == []
        # Discord has no /cancelevent: the ambassador cancels from the event's card
        calls = await discord_exchange(fake, lambda: fake.slash("event", {"event": str(event_id)}, user=ambassador, locale="fr"))
        card, cancel_id = with_action(calls, f"cancelevent {event_id}")
        calls = await discord_exchange(fake, lambda: fake.press(fake.message_of(card), cancel_id, user=ambassador, locale="fr"))
        prompt, confirm_id = with_action(calls, f"cancelevent {event_id} !confirm")
        await discord_exchange(fake, lambda: fake.press(fake.message_of(prompt), confirm_id, user=ambassador, locale="fr"))
        assert await status(app, event_id) == "cancelled"
        assert await audited(app.db) == [(audit.EVENT_CANCEL, "discord", ambassador_id, "3002", "event", str(event_id))]
    count("authorization cells through an adapter")
    count("authorization cells through an adapter")


async def test_console_editevent_member_refused_administrator_allowed(db) -> None:
    from core.commands.service import CommandService
    from core.messages.types import Sender

    service = CommandService(db)
    event_id = await make_event(db, WHEN, country="FR", title="Avant")
    await member_with(db, "m", language="fr", platform="console")
    admin_id = await member_with(db, "a", language="fr", platform="console", role="administrator")
    member = ConsoleSession(service.handle, Sender("console", "m", "m", "fr-FR"))
    rendered = await member.send(member.parse(f"/editevent {event_id} title Après"))
    french_refusal("\n".join(rendered.lines))
    assert await audited(db) == []
    admin = ConsoleSession(service.handle, Sender("console", "a", "a", "fr-FR"))
    await admin.send(admin.parse(f"/editevent {event_id} title Après"))
    async with db.transaction() as session:
        assert (await session.get(Event, event_id)).texts["fr"]["title"] == "Après"
    assert await audited(db) == [(audit.EVENT_EDIT, "console", admin_id, "a", "event", str(event_id))]
    count("authorization cells through an adapter")
    count("authorization cells through an adapter")

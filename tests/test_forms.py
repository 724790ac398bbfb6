"""The core's forms, platform-neutral: ``newevent`` and ``announce`` answer a platform that
supports dialogs with a Form, check a submission field by field with the chat flows' own
validators, and keep the step-by-step chat flow for platforms that do not."""
from __future__ import annotations

from sqlalchemy import func, select

from core.messages.forms import FieldKind
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Reply, Request, Sender
from core.db.engine import Database
from core.db.models import Announcement, Event
from tests.events_helpers import member_with

SENDER = Sender("console", "amb", "Amel", "fr-FR", "Africa/Tunis")


def ask(command: str, args: str = "", *, forms: bool = True, values: dict[str, str] | None = None) -> Request:
    return Request(SENDER, Chat("amb", ChatKind.PRIVATE), command=command, args=args, forms=forms, form_values=values)


async def rows(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_newevent_form_and_its_field_errors(db: Database) -> None:
    await member_with(db, "amb", language="fr", country="TN", zone="Africa/Tunis", role="ambassador", role_country="TN")
    service = CommandService(db)
    (reply,) = await service.handle(ask("newevent"))
    assert reply.form is not None and reply.form.command == "newevent"
    kinds = {f.id: f.kind for f in reply.form.fields}
    assert kinds["start"] is FieldKind.DATETIME and kinds["channel"] is FieldKind.SELECT
    assert [c.value for c in next(f for f in reply.form.fields if f.id == "channel").choices][0] == "tn"

    values = {"title": "Dîner", "start": "14/03/2031 19:00", "end": "21:00", "zone": "Africa/Tunis",
              "place": "Tunis", "channel": "tn", "capacity": ""}
    (refused,) = await service.handle(ask("newevent", values={**values, "start": "32/03/2031 19:00", "end": "soon"}))
    assert set(refused.form_errors) == {"start"}  # the end cannot be read without a start: one error at a time
    (refused,) = await service.handle(ask("newevent", values={**values, "title": "", "end": "soon"}))
    assert set(refused.form_errors) == {"title", "end"}
    (created,) = await service.handle(ask("newevent", values={**values, "end": "18:00"}))  # the next day: fine
    assert created.form_errors == {} and created.form is None and await rows(db, Event) == 1
    (done,) = await service.handle(ask("newevent", values={**values, "channel": "fr"}))
    assert set(done.form_errors) == {"channel"} and await rows(db, Event) == 1  # another country's channel


async def test_without_forms_the_chat_flows_are_unchanged(db: Database) -> None:
    await member_with(db, "amb", language="en", country="TN", zone="Africa/Tunis", role="ambassador", role_country="TN")
    service = CommandService(db)
    replies: list[Reply] = await service.handle(ask("newevent", forms=False))
    assert replies[0].form is None and "title" in replies[0].text
    replies = await service.handle(ask("announce", forms=False))
    assert replies[0].form is None and replies[0].text


async def test_announce_form_preview_and_confirm(db: Database) -> None:
    await member_with(db, "amb", language="en", country="TN", zone="Africa/Tunis", role="ambassador", role_country="TN")
    service = CommandService(db)
    (reply,) = await service.handle(ask("announce", "tn"))
    assert reply.form is not None
    assert {f.id for f in reply.form.fields} >= {"channel", "text_en", "text_fr", "send_at"}
    (refused,) = await service.handle(ask("announce", values={"channel": "fr", "text_en": "Hello"}))
    assert set(refused.form_errors) == {"channel"}  # not this ambassador's country
    (preview,) = await service.handle(ask("announce", values={"channel": "tn", "text_en": "Hello", "text_ar": "مرحبا"}))
    assert preview.form is not None and preview.form.fields == () and preview.form.args.startswith("!confirm-")
    assert any("Hello" in note for note in preview.form.notes) and any("مرحبا" in note for note in preview.form.notes)
    assert await rows(db, Announcement) == 0
    await service.handle(ask("announce", preview.form.args, values={}))
    assert await rows(db, Announcement) == 1

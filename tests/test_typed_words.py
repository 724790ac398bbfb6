"""What people type, in their language (issue 15): durations, clock words, answer words and digits are read
from CLDR and the catalogs in every supported language, through the chat path where a member types them."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bots.console.session import ConsoleSession
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import ChannelBinding, Rsvp
from core.db.types import utcnow
from core.i18n.reading import _units, clock_words, read_number
from core.messages.types import Button, Chat, ChatKind, Reply, Request, Sender
from tests.chat import Person
from tests.events_helpers import load_event, load_member, make_event, member_with


@pytest.mark.parametrize(
    ("language", "typed", "minutes"),
    [
        ("es", "1 minuto", [1]), ("ar", "5 دقائق", [5]), ("ar", "ساعتان", [120]), ("ar", "ساعة", [60]),
        ("de", "2 Std.", [120]), ("es", "2 días", [2880]), ("ar", "١ يوم ٣٠ دقيقة", [1440, 30]),
        ("fr", "désactivé", []), ("de", "deaktiviert", []), ("pt", "desativado", []), ("ar", "بدون تذكير", []),
    ],
)
async def test_reminders_typed_in_the_members_language(db: Database, language: str, typed: str, minutes: list[int]) -> None:
    member_id = await member_with(db, "m", language=language)
    person = Person(CommandService(db), user_id="m")
    await person.send(f"/reminders {typed}")
    assert (await load_member(db, member_id)).reminder_offsets == minutes, person.text()


@pytest.mark.parametrize(
    ("language", "typed", "answer"),
    [("ar", "سأحضر", "yes"), ("fr", "je viens", "yes"), ("es", "a lo mejor", "maybe"), ("de", "komme nicht", "no"),
     ("pt", "não vou", "no"), ("fr", "Peut-être", "maybe")],
)
async def test_rsvp_words_in_the_members_language(db: Database, language: str, typed: str, answer: str) -> None:
    event_id = await make_event(db, (utcnow() + timedelta(days=5)).replace(tzinfo=None, microsecond=0))
    member_id = await member_with(db, "m", language=language)
    person = Person(CommandService(db), user_id="m")
    number = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(event_id)) if language == "ar" else str(event_id)
    await person.send(f"/rsvp {number} {typed}")
    async with db.transaction() as session:
        rsvp = await session.get(Rsvp, (event_id, member_id))
    assert rsvp is not None and rsvp.answer == answer, person.text()


async def test_a_german_organiser_types_uhr_and_std(db: Database) -> None:
    year = utcnow().year + 1
    event_id = await make_event(db, datetime(year, 3, 14, 19, 0), "Europe/Berlin", country="DE")
    await member_with(db, "admin", language="de", country="DE", zone="Europe/Berlin", role="administrator")
    admin = Person(CommandService(db), user_id="admin")
    await admin.send(f"/editevent {event_id} start 14.03.{year} 18:30 Uhr")
    await admin.send(f"/editevent {event_id} end 3 Std.")
    event = await load_event(db, event_id)
    assert event.starts_local == datetime(year, 3, 14, 18, 30), admin.text()
    assert event.ends_local == datetime(year, 3, 14, 21, 30), admin.text()


def test_a_choice_number_in_arabic_indic_digits() -> None:
    async def handle(request: Request) -> list[Reply]:
        return []

    session = ConsoleSession(handle, Sender("console", "1", "Console", "ar"))
    session.choices = [Button("Français", "language fr"), Button("العربية", "language ar")]
    assert session.parse("٢").action == "language ar"  # type: ignore[union-attr]
    assert session.parse("۲").action == "language ar"  # type: ignore[union-attr]  # Persian digits
    assert (read_number("١٢"), read_number("12a"), read_number("")) == (12, None, None)


def test_languages_yet_to_come_are_read_from_cldr_alone() -> None:
    """Vietnamese, Russian or Chinese need no code: their unit and clock words are CLDR's."""
    assert _units("vi")["ngay"] == (1440, None)
    assert _units("ru")["часов"] == (60, None) and _units("zh_Hans")["分钟"] == (1, None)
    assert "gio" in clock_words(("vi",)) and "uhr" in clock_words(("de",))


@pytest.mark.parametrize(("language", "typed"), [("fr", "aucun"), ("es", "ninguno"), ("ar", "لا شيء"), ("en", "none")])
async def test_a_field_is_emptied_with_the_word_for_none(db: Database, language: str, typed: str) -> None:
    event_id = await make_event(db, datetime(utcnow().year + 1, 3, 14, 19, 0))
    await member_with(db, "admin", language=language, zone="Europe/Paris", role="administrator")
    admin = Person(CommandService(db), user_id="admin")
    await admin.send(f"/editevent {event_id} description {typed}")
    assert (await load_event(db, event_id)).texts["fr"]["description"] == "", admin.text()


async def test_a_mexican_organiser_types_the_cldr_pm_marker(db: Database) -> None:
    year = utcnow().year + 1
    event_id = await make_event(db, datetime(year, 3, 14, 19, 0), "America/Mexico_City", country="MX")
    await member_with(db, "admin", language="es", country="MX", zone="America/Mexico_City", role="administrator")
    admin = Person(CommandService(db), user_id="admin")
    await admin.send(f"/editevent {event_id} start 14/03/{year} 6:30 p. m.")
    assert (await load_event(db, event_id)).starts_local == datetime(year, 3, 14, 18, 30), admin.text()


async def test_an_approver_types_the_binding_number_in_arabic_indic_digits(db: Database) -> None:
    service = CommandService(db)
    await member_with(db, "amb", platform="telegram", language="ar", role="ambassador", role_country="TN")
    group = Chat("-100777", ChatKind.GROUP, "خريجو تونس")
    await service.handle(Request(Sender("telegram", "stranger", "s", None), group, command="bind", args="tn",
                                 chat_admin=True, bot_can_invite=True))
    async with db.transaction() as session:
        binding = await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == group.chat_id))
    assert binding is not None and binding.status == "pending"
    typed = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(binding.id))
    await service.handle(Request(Sender("telegram", "amb", "a", None), Chat("dm-amb"), command="binding",
                                 args=f"approve {typed}"))
    async with db.transaction() as session:
        assert (await session.get(ChannelBinding, binding.id)).status == "approved"

"""Direction isolates are always balanced, whatever the member typed (the suite-wide check is tests/reply_checks.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.app import App
from core.audit import Actor
from core.events.notices import event_summary
from core.events.service import EventInput, create_event
from core.text import clip, isolate
from tests.chat import Person
from tests.reply_checks import reply_texts, unbalanced_isolates

PDI, FSI = "\u2069", "\u2068"


def test_isolate_keeps_no_isolate_of_the_value_itself() -> None:
    assert not unbalanced_isolates(isolate(f"Par{PDI}is"))
    assert not unbalanced_isolates(isolate(f"{FSI}Par{FSI}is"))


@pytest.mark.parametrize("limit", range(1, 14))
def test_clip_never_leaves_an_isolate_open_nor_a_closer_alone(limit: int) -> None:
    text = f"à {isolate('Café de Flore')} ok"
    clipped = clip(text, limit)
    assert len(clipped) <= limit and not unbalanced_isolates(clipped)
    assert clip(text, 100) == text


async def test_what_a_member_types_never_unbalances_a_reply(app: App) -> None:
    ann = Person(app.commands, "ann", locale="fr")
    for line in (f"/country Fra{PDI}nce", f"/language x{PDI}", f"/associations Tu{PDI}nis{FSI}", f"/join d{PDI}e",
                 f"/events z{PDI}z"):
        for reply in await ann.send(line):
            assert not any(unbalanced_isolates(text) for text in reply_texts(reply)), (line, reply)


async def test_a_title_or_place_on_a_line_of_its_own_is_not_isolated(app: App) -> None:
    """Isolates belong around a value inside a sentence; a notice's title and place lines are the values
    themselves, and wrapping them only left stray marks on screens that drop one of the pair."""
    start = datetime.now().replace(microsecond=0) + timedelta(days=5)
    async with app.db.transaction() as session:
        event, _valid = await create_event(session, EventInput(
            texts={"es": {"title": "Tienes plaza en la cena", "description": ""}}, language="es", starts_local=start,
            ends_local=start + timedelta(hours=2), timezone="Europe/Madrid", place="Casa de América", country_code="ES"),
            Actor.command_line())
        lines = (await event_summary(event, "Europe/Madrid")).split("\n")
    assert lines[0] == "Tienes plaza en la cena" and "Casa de América" in lines

"""A Latin command inside an Arabic sentence ("أرسل /help لترى…") keeps its slash in front of it.

The slash is a neutral character: between an Arabic word and a Latin one it takes the paragraph's direction
(right to left) and shows after the command, "help/". A LEFT-TO-RIGHT MARK before it keeps it with the command.
"""
from __future__ import annotations

from bots.console.render import render_reply
from bots.kit.direction import LRM, RLM, directed
from core.commands.service import CommandService
from core.db.engine import Database
from tests.chat import Person
from tests.events_helpers import member_with


def test_a_latin_command_inside_a_right_to_left_line_gets_a_left_to_right_mark() -> None:
    text = "أرسل /help لترى ما يمكنني فعله.\nلتغييرها، أرسل مثلًا /reminders 1d 1h أو (/reminders off)."
    out = directed(text, True)
    assert f"أرسل {LRM}/help لترى" in out and out.count(f"{LRM}/reminders") == 2, out
    assert directed("/start — ابدأ", True) == f"{RLM}{LRM}/start — ابدأ"  # a line's start: as before


def test_what_needs_no_mark_gets_none() -> None:
    assert directed("أرسل /مساعدة الآن", True) == "أرسل /مساعدة الآن"  # an Arabic command name reads right to left
    assert directed("الموقع: https://example.org/help", True) == "الموقع: https://example.org/help"  # inside a URL
    assert directed("Send /help to see", True) == "Send /help to see"  # no right-to-left letter: nothing to turn
    assert directed("أرسل /help", False) == "أرسل /help"  # not a right-to-left reply
    assert directed("ينتظرك \u2068a /b\u2069", True) == "ينتظرك \u2068a /b\u2069"  # never inside an isolate


async def test_an_arabic_reader_sees_the_reminders_command_whole(db: Database) -> None:
    await member_with(db, "amina", language="ar", country="EG", zone="Africa/Cairo")
    person = Person(CommandService(db), user_id="amina")
    await person.send("/reminders")
    shown = "\n".join(line for reply in person.last for line in render_reply(reply).lines)
    assert f"أرسل مثلًا {LRM}/reminders 1d 1h" in shown, shown

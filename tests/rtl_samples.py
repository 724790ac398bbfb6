"""Replies for the right-to-left tests of every renderer: an Arabic reply whose lines start with
Latin text (a command, a city, a name) and the same shapes in English, which must get no mark."""
from __future__ import annotations

import re

from core.messages.types import Button, Card, Field, Link, Reply

RLM, LRM = "\u200f", "\u200e"
MARKS = (RLM, LRM)
URL = "https://example.org/a/"

ARABIC = Reply(
    title="Alumni ألمانيا",
    text="/start — ابدأ من هنا\nMünchen، ألمانيا\nمرحبا بك\n\u2068Bob\u2069 ينتظرك",
    cards=[Card(title="München، ألمانيا", subtitle="TU München — خريجون", fields=(Field("Web الموقع", "aae.de"),),
                body="Berlin ثم ألمانيا", url=URL, buttons=(Button("RSVP نعم", "rsvp:1"),))],
    links=[Link("Site الموقع", URL)],
    buttons=[[Button("OK موافق", "ok")]],
    language="ar",
    rtl=True,
)
ENGLISH = Reply(
    title="Alumni Germany",
    text="/start — begin here\nMünchen, Germany",
    cards=[Card(title="München, Germany", subtitle="TU München — alumni", fields=(Field("Web", "aae.de"),),
                body="Berlin then Germany", url=URL, buttons=(Button("RSVP yes", "rsvp:1"),))],
    links=[Link("Site", URL)],
    buttons=[[Button("OK", "ok")]],
    language="en",
)

# Telegram (and Discord, Slack) read "/start" as a command when no word character is stuck before it.
_COMMAND = re.compile(r"(?<![\w/<>])/start\b")


def tappable(text: str) -> bool:
    """The command is still a whole command in ``text`` (the marks go before it, never inside)."""
    return bool(_COMMAND.search(text))


def marked(text: str, start: str) -> bool:
    """The line of ``text`` that shows ``start`` begins with a right-to-left mark."""
    return any(line.lstrip(" •*_").startswith(RLM) and start in line for line in text.split("\n"))

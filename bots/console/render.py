"""Replies as terminal text. Pure: no I/O, so it is tested with hand-built Replies.

Every button of a response (card buttons, button rows, pager previous/next) gets a
number, counted across all the replies of the response: typing that number presses it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bots.kit.direction import directed
from bots.kit.layout import one_line as layout_one_line
from core.messages.types import Button, Card, Reply
from core.i18n import _, use_language
from core.i18n.formatting import labelled

BOLD, UNDERLINE, DIM, RESET = "\x1b[1m", "\x1b[4m", "\x1b[2m", "\x1b[0m"
# Format characters worth keeping: isolates and direction marks (not the overrides), joiners.
_KEPT_FORMAT = frozenset("\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200c\u200d")


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    choices: list[Button] = field(default_factory=list)  # choice n is choices[n - 1]
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, content) to save


# Plain printable ASCII and newlines need no check; only the rest is looked up, one character at a time.
_TO_CHECK = re.compile(r"[^\n\x20-\x7e]")


def _keep(match: re.Match[str]) -> str:
    ch = match.group()
    return ch if ch in _KEPT_FORMAT or unicodedata.category(ch) not in ("Cc", "Cf") else ""


def safe(text: str) -> str:
    """Text from the core (and so from users) without terminal escapes or other control characters.
    Bidi marks are kept: the core uses isolates so that Latin names stay readable in Arabic."""
    return _TO_CHECK.sub(_keep, text.replace("\t", "    "))


def one_line(text: str) -> str:
    """A title or a label: made safe and kept on one line."""
    return layout_one_line(safe(text))


class _Writer:
    def __init__(self, styled: bool, first_number: int, rtl: bool = False) -> None:
        self.styled = styled
        self.rtl = rtl  # lines that start with Latin text get a right-to-left mark
        self.result = Rendered()
        self.next_number = first_number

    def style(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.styled and text else text

    def add(self, text: str, indent: str = "", *, raw: bool = False) -> None:
        """Add text (made safe and directed, unless ``raw``: already safe, directed and styled here)."""
        for line in (text if raw else directed(safe(text), self.rtl)).split("\n"):
            self.result.lines.append(f"{indent}{line}" if line else "")

    def button(self, button: Button, indent: str = "  ") -> None:
        number = self.next_number
        self.next_number += 1
        self.result.choices.append(button)
        mark = " ✓" if button.selected else ""
        # One line: a label with a line break could draw a fake "[2] …" choice under it.
        self.result.lines.append(f"{indent}[{number}] {self.line(button.label)}{mark}")

    def line(self, text: str) -> str:
        """A title or label: safe, on one line, directed."""
        return directed(one_line(text), self.rtl)

    def card(self, card: Card) -> None:
        self.add(f"• {self.style(self.line(card.title), BOLD)}", raw=True)
        if card.subtitle:
            self.add(card.subtitle, "  ")
        for item in card.fields:
            self.add(labelled(item.label, item.value), "  ")
        if card.body:
            self.add(card.body, "  ")
        if card.url:
            self.add(card.url, "  ")
        for button in card.buttons:
            self.button(button, "    ")


def render_reply(reply: Reply, *, styled: bool = False, first_number: int = 1) -> Rendered:
    """One Reply as lines; its buttons are numbered from ``first_number``."""
    writer = _Writer(styled, first_number, reply.rtl)
    with use_language(reply.language):
        if reply.title:
            writer.add(writer.style(writer.line(reply.title), BOLD + UNDERLINE), raw=True)
        if reply.text:
            writer.add(reply.text)
        for card in reply.cards:
            writer.card(card)
        for link in reply.links:
            writer.add(labelled(link.label, link.url))
        for row in reply.buttons:
            for button in row:
                writer.button(button)
        if reply.pager and reply.pager.pages > 1:
            writer.add(
                writer.style(_("page {page}/{pages}").format(page=reply.pager.page, pages=reply.pager.pages), DIM),
                raw=True,
            )
            for button in (reply.pager.previous, reply.pager.next):
                if button is not None:
                    writer.button(button)
        if reply.file is not None:
            writer.result.files.append((reply.file.filename, reply.file.content))
    return writer.result


def render(replies: Sequence[Reply], *, styled: bool = False) -> Rendered:
    """A whole response (the list of Replies of one request), numbered 1..n across it,
    with an empty line between replies."""
    total = Rendered()
    for reply in replies:
        part = render_reply(reply, styled=styled, first_number=len(total.choices) + 1)
        if total.lines and part.lines:
            total.lines.append("")
        total.lines.extend(part.lines)
        total.choices.extend(part.choices)
        total.files.extend(part.files)
    return total

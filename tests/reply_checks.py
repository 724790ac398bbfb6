"""Checks every rendered reply must pass: balanced direction isolates, no fact shown twice.

Registered from tests/conftest.py as a plugin: during the whole suite, every Reply the command
service returns is checked for balanced isolates (``check_isolates``). The first-hour
transcript test uses the same helpers on console text.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest

from core.commands.service import CommandService
from core.messages.types import Reply

OPENERS = "\u2066\u2067\u2068"  # LRI, RLI, FSI
CLOSER = "\u2069"  # PDI
_URL = re.compile(r"https?://[^\s<>\u2066-\u2069]+")


def unbalanced_isolates(text: str) -> bool:
    """True when a PDI closes nothing, or an isolate is left open at the end of a line."""
    for line in text.split("\n"):
        depth = 0
        for ch in line:
            if ch in OPENERS:
                depth += 1
            elif ch == CLOSER:
                depth -= 1
                if depth < 0:
                    return True
        if depth:
            return True
    return False


def reply_texts(reply: Reply) -> Iterator[str]:
    """Every piece of text a Reply shows: title, text, cards, links, button labels."""
    yield from (t for t in (reply.title, reply.text) if t)
    for card in reply.cards:
        yield from (t for t in (card.title, card.subtitle, card.body) if t)
        for item in card.fields:
            yield item.label
            yield item.value
        yield from (b.label for b in card.buttons)
    for link in reply.links:
        yield link.label
    for row in reply.buttons:
        yield from (b.label for b in row)


def repeated_urls(text: str) -> list[str]:
    """URLs written more than once in one block of text (one response, one card)."""
    return [url for url, n in Counter(u.rstrip(".,;:)»") for u in _URL.findall(text)).items() if n > 1]


@pytest.fixture(autouse=True)
def check_isolates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Reply the core returns during the test has balanced isolates in each of its texts."""
    handle = CommandService.handle

    async def checked(self: CommandService, request, *args, **kwargs):  # noqa: ANN001, ANN202
        replies = await handle(self, request, *args, **kwargs)
        for reply in replies:
            for text in reply_texts(reply):
                assert not unbalanced_isolates(text), f"unbalanced isolates in a reply to {request}: {text!r}"
        return replies

    monkeypatch.setattr(CommandService, "handle", checked)

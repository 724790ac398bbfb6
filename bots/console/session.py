"""One person at the terminal: turns typed lines into Requests and remembers the numbered choices."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bots.kit.pipeline import HandleOnly, Pipeline
from core.messages.types import Button, Chat, Reply, Request, Sender
from core.i18n import DEFAULT_LANGUAGE, language_from_locale
from core.i18n.reading import read_number

from .render import Rendered, render

Handler = Callable[[Request], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class NoSuchChoice:
    """A number typed while choices were shown, but not one of them."""

    number: int
    count: int


class ConsoleSession:
    def __init__(self, handle: Handler, sender: Sender, chat: Chat | None = None, *, styled: bool = False) -> None:
        self.handle = handle
        self.sender = sender
        self.chat = chat or Chat(chat_id="console")
        self.styled = styled
        self.choices: list[Button] = []
        self.language = language_from_locale(sender.locale) or DEFAULT_LANGUAGE
        self.pipeline = Pipeline(HandleOnly(handle), failure_level=logging.DEBUG)  # the loop says it on stderr
        self.error: Exception | None = None  # the core's failure on the last request, if it failed

    def parse(self, line: str) -> Request | NoSuchChoice | None:
        """``/join tn`` is a command, ``3`` presses choice 3 of the last response, other text is text.
        None for a blank line."""
        text = line.strip()
        if not text:
            return None
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            name, _, args = text[1:].partition(" ")
            return Request(sender=self.sender, chat=self.chat, command=name.lower(), args=args.strip())
        number = read_number(text) if self.choices else None
        if number is not None:  # "3", or "٣" typed with Arabic-Indic digits
            if 1 <= number <= len(self.choices):
                return Request(sender=self.sender, chat=self.chat, action=self.choices[number - 1].action)
            return NoSuchChoice(number, len(self.choices))
        return Request(sender=self.sender, chat=self.chat, text=text)

    async def send(self, request: Request) -> Rendered:
        """The answer to a request, rendered; when the core fails, the kit's failure reply (and ``error``)."""
        answer = await self.pipeline.ask_in_turn(request)
        self.error, replies = answer.error, answer.replies
        rendered = render(replies, styled=self.styled)
        self.choices = rendered.choices
        if replies:
            self.language = replies[-1].language or self.language
        return rendered

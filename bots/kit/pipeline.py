"""A request's way to the core and back, the same on every platform.

In order (``ordering``): the chat's rights asked from the platform when the request needs them
(``binding``; not for one the command limits drop: a flood costs no platform calls), the core's
answer, and on a failure of the core the member told in their language (``failure``) while the
error is logged. The adapter sends the answer in the same turn, so answers keep their order.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from core.messages.types import Reply, Request

from .binding import asks_chat_rights
from .failure import failure_reply
from .ordering import Ordering

log = logging.getLogger(__name__)
Handle = Callable[[Request], Awaitable[list[Reply]]]
Prepare = Callable[[Request], Awaitable[Request]]  # the platform's rights put on the request
Deliver = Callable[["Answer"], Awaitable[None]]


class Core(Protocol):
    """What the pipeline needs of the core's command service."""

    async def handle(self, request: Request) -> list[Reply]: ...

    def over_limit(self, request: Request) -> bool: ...


@dataclass(frozen=True, slots=True)
class HandleOnly:
    """A bare ``handle`` as a ``Core`` with no command limits (the console, a test's stand-in)."""

    handle: Handle

    def over_limit(self, request: Request) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Answer:
    """The core's replies to ``request`` (as the core saw it), or the failure reply and the error."""

    request: Request
    replies: list[Reply]
    error: Exception | None = None


@dataclass
class Pipeline:
    """One per adapter instance: the core, and the turns of its (chat, member) pairs.

    ``failure_level``: how a failure of the core is logged (with its traceback). A bot logs an
    error; the console, which prints the failure on stderr in one line itself, logs it at DEBUG.
    """

    core: Core
    ordering: Ordering = field(default_factory=Ordering)
    failure_level: int = logging.ERROR
    # The language the core last answered each member in: a failure is told in it (the core, which
    # knows the member's chosen language, is what failed). Bounded: the oldest members are forgotten.
    languages: OrderedDict[tuple[str, str], str] = field(default_factory=OrderedDict)
    remembered: int = 10_000

    def _remember(self, request: Request, replies: list[Reply]) -> None:
        language = next((reply.language for reply in reversed(replies) if reply.language), None)
        if language is None:
            return
        key = (request.sender.platform, request.sender.user_id)
        self.languages[key] = language
        self.languages.move_to_end(key)
        while len(self.languages) > self.remembered:
            self.languages.popitem(last=False)

    @asynccontextmanager
    async def turn(self, request: Request) -> AsyncIterator[None]:
        """This member's turn in this chat: held while their request is answered."""
        async with self.ordering.turn(request.chat.chat_id, request.sender.user_id):
            yield

    async def ask(self, request: Request, prepare: Prepare | None = None) -> Answer:
        """The core's answer; call it within ``turn``. Never raises for a failure of the core."""
        try:
            if prepare is not None and asks_chat_rights(request) and not self.core.over_limit(request):
                request = await prepare(request)
            replies = await self.core.handle(request)
        except Exception as error:  # one failing request never stops the bot; the member is told
            log.log(self.failure_level, "a %s request failed in the core", request.sender.platform, exc_info=True)
            known = self.languages.get((request.sender.platform, request.sender.user_id))
            return Answer(request, [failure_reply(request, known)], error)
        self._remember(request, replies)
        return Answer(request, replies)

    async def ask_in_turn(self, request: Request, prepare: Prepare | None = None) -> Answer:
        """``ask`` in this member's turn, for an adapter that sends the answer on its own."""
        async with self.turn(request):
            return await self.ask(request, prepare)

    async def answer(self, request: Request, deliver: Deliver, prepare: Prepare | None = None) -> Answer:
        """Ask the core and deliver its answer, both in this member's turn in this chat."""
        async with self.turn(request):
            answer = await self.ask(request, prepare)
            await deliver(answer)
            return answer

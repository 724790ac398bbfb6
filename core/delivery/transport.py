"""The one thing a platform adapter implements for pushes: send a rendered reply somewhere.

Everything else (who, when, how fast, what to do on failure) is decided by the core.
Adapters translate their platform's errors into the exceptions below.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from core.messages.types import Reply

T = TypeVar("T")
Pace = Callable[[], Awaitable[None]]  # waits for a send's slot under the platform's rate limits


async def no_pace() -> None:
    """The pace of a send outside the engine (an answer, a test): no wait."""


@dataclass(frozen=True, slots=True)
class Target:
    platform: str
    address: str  # the platform's user id, or its chat id when ``to_chat``
    to_chat: bool = False


class Transport(Protocol):
    """What an adapter gives the delivery engine.

    Optional extras, looked up with getattr by the dispatcher:
    ``send_paced(target, reply, pace, progress)`` -- a reply sent as several platform messages
    awaits ``pace()`` before each one (the core's rate limits count messages, not replies),
    skips the parts ``progress`` says are out already and reports each accepted one to it
    (see ``Progress``); a transport without it sends every reply as one message;
    ``addresses`` -- a set of user ids: only private pushes to those are claimed for it;
    ``apply_access(target, access, pace)`` -- give or take back the person's access to bound chats
    (``Reply.access``, rows planned by ``core.access``), awaiting ``pace()`` before each platform call.
    """

    platform: str

    async def send(self, target: Target, reply: Reply) -> None:
        """Send one reply; raise a DeliveryError subclass when it did not go out."""


@dataclass
class Progress:
    """Where a push of several platform messages stands, so that a retry never repeats a part.

    A transport splits the reply the same way on every try (part k is the same text), sends
    only ``remaining(parts)`` and awaits ``sent(index)`` once the platform accepted a part,
    before it tries the next: the core records the count in the outbox (``parts_sent``), so
    a transient error, a 429 or a crash followed by another process's claim resumes there.
    ``record`` may raise to stop the push (the row is no longer this process's to send).
    """

    done: int = 0  # parts accepted by the platform, on this try or an earlier one
    record: Callable[[int], Awaitable[None]] | None = field(default=None, repr=False)
    total: int | None = None  # parts of this try's rendering (set by ``remaining``)

    def remaining(self, parts: Sequence[T]) -> list[tuple[int, T]]:
        """The parts still to send, with their index in the whole reply."""
        self.total = len(parts)
        return list(enumerate(parts))[self.done:]

    async def sent(self, index: int) -> None:
        """Part ``index`` was accepted: record it when another part follows (the last one is
        recorded by the row's own "sent" mark)."""
        self.done = index + 1
        if self.record is not None and (self.total is None or self.done < self.total):
            await self.record(self.done)


class DeliveryError(Exception):
    """Base of the failures a transport reports."""


class RetryAfter(DeliveryError):
    """The platform asked us to slow down (HTTP 429): wait ``seconds`` then try again."""

    def __init__(self, seconds: float, scope: str = "global") -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds
        self.scope = scope  # "global" or "chat": what the wait applies to


class TransientError(DeliveryError):
    """Network trouble, timeouts, 5xx: try again later with backoff."""


class PermanentError(DeliveryError):
    """Will never succeed (bad request, chat gone): do not retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unreachable(PermanentError):
    """The person blocked the bot or left the platform: mark the identity unreachable."""

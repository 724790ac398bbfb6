"""The one thing a platform adapter implements for pushes: send a rendered reply somewhere.

Everything else (who, when, how fast, what to do on failure) is decided by the core.
Adapters translate their platform's errors into the exceptions below.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.commands.types import Reply


@dataclass(frozen=True, slots=True)
class Target:
    platform: str
    address: str  # the platform's user id, or its chat id when ``to_chat``
    to_chat: bool = False


class Transport(Protocol):
    """What an adapter gives the delivery engine.

    Optional extras, looked up with getattr by the dispatcher:
    ``send_paced(target, reply, pace)`` -- a reply sent as several platform messages awaits
    ``pace()`` before each one (the core's rate limits count messages, not replies);
    ``addresses`` -- a set of user ids: only private pushes to those are claimed for it;
    ``apply_access(target, access, pace)`` -- give or take back the person's access to bound chats
    (``Reply.access``, rows planned by ``core.access``), awaiting ``pace()`` before each platform call.
    """

    platform: str

    async def send(self, target: Target, reply: Reply) -> None:
        """Send one reply; raise a DeliveryError subclass when it did not go out."""


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

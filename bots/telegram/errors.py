"""Failures of the Bot API, handled so that one bad update or one blocked user never stops the bot.

- 429 (``RetryAfter``): wait ``retry_after`` seconds, retry.
- network errors (``NetworkError``/``TimedOut``, not ``BadRequest``): retry with exponential backoff.
- 403 "bot was blocked by the user" / "user is deactivated" (``Forbidden``): the identity is
  marked unreachable (``mark_unreachable``) and nothing more is sent to it.
- anything else raised while handling an update is logged by ``error_handler``; the bot goes on.

For pushes, ``classify`` turns python-telegram-bot's errors into the core's delivery errors:

- ``RetryAfter`` (429) -> ``RetryAfter`` (global: Telegram does not say which limit it was);
- ``Forbidden`` (403: blocked, kicked from the group, account deleted, never started) -> ``Unreachable``;
- ``BadRequest`` (400: chat not found, text refused) and ``ChatMigrated`` -> ``PermanentError``;
- ``NetworkError``/``TimedOut``, 5xx and anything else -> ``TransientError`` (retried later);
- a malformed answer (not JSON, or JSON without the documented ``result``: PTB then raises
  ``KeyError``/``TypeError``/``ValueError`` rather than a ``TelegramError``) -> ``TransientError``
  (``malformed``): a broken proxy or a platform in maintenance, not a refusal of this message.
"""
from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from core.delivery import transport as core

log = logging.getLogger(__name__)
T = TypeVar("T")
# What python-telegram-bot raises when a 200 answer is not the Bot API's shape.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError)

PLATFORM = "telegram"
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER = 120.0  # seconds; a longer flood wait is not worth holding an update for
BACKOFF_BASE = 0.5

# Identities found unreachable in this process: nothing more is sent to them until they write again.
_unreachable: set[str] = set()


class Unreachable(Exception):
    """The user blocked the bot (or the account is gone): the message was not sent."""


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about int vs timedelta; either is fine here
        warnings.simplefilter("ignore")
        value = error.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def is_blocked(error: BaseException) -> bool:
    """A 403 that means "stop writing to this person"."""
    if not isinstance(error, Forbidden):
        return False
    message = str(error).lower()
    return any(s in message for s in ("blocked by the user", "user is deactivated"))


def is_unreachable(user_id: str) -> bool:
    return user_id in _unreachable


def mark_reachable(user_id: str) -> None:
    """The person wrote to the bot: they can be reached again."""
    _unreachable.discard(user_id)


async def mark_unreachable(service: Any, platform: str, user_id: str) -> None:
    """Record that this identity can no longer be reached.

    The core owns the record (the command service's ``mark_unreachable``; cleared by the core when
    the person writes again). The identity is also remembered in this process, so that nothing
    more is sent to it.
    """
    _unreachable.add(user_id)
    log.info("identity %s:%s unreachable (blocked the bot or deleted)", platform, user_id)
    try:
        await service.mark_unreachable(platform, user_id)
    except Exception:  # recording the fact must never break the delivery loop
        log.exception("could not mark %s:%s unreachable", platform, user_id)


async def call_api(
    make_call: Callable[[], Awaitable[T]],
    *,
    what: str = "request",
    attempts: int = MAX_ATTEMPTS,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """Run one Bot API call, retrying on 429 and network errors.

    ``make_call`` builds a fresh coroutine for each attempt. ``BadRequest`` and
    ``Forbidden`` are raised at once (retrying cannot help).
    """
    for attempt in range(1, attempts + 1):
        try:
            return await make_call()
        except RetryAfter as error:
            wait = min(retry_after_seconds(error), MAX_RETRY_AFTER)
            if attempt == attempts:
                raise
            log.warning("%s: flood control, retrying in %.0f s", what, wait)
            await sleep(wait)
        except BadRequest:
            raise
        except NetworkError as error:
            if attempt == attempts:
                raise
            wait = BACKOFF_BASE * 2 ** (attempt - 1)
            log.warning("%s: network error (%s), retrying in %.1f s", what, error, wait)
            await sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


async def error_handler(update: object, context: Any) -> None:
    """PTB's error handler: log and go on; one failing update never stops the bot."""
    error = context.error
    if isinstance(error, TelegramError):
        log.warning("update %s failed: %s", getattr(update, "update_id", "?"), error)
    else:
        log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=error)


def malformed(error: Exception) -> core.TransientError:
    """A 200 answer that is not a Bot API answer: try again later."""
    return core.TransientError(f"malformed answer from the Bot API: {type(error).__name__}")


def classify(error: TelegramError) -> core.DeliveryError:
    """PTB's exception -> the core's delivery error (order matters: BadRequest is a NetworkError)."""
    if isinstance(error, RetryAfter):
        return core.RetryAfter(retry_after_seconds(error), scope="global")
    message = " ".join(str(error).split())[:200]
    if isinstance(error, Forbidden):
        return core.Unreachable(message)
    if isinstance(error, ChatMigrated):
        return core.PermanentError(f"group became a supergroup {error.new_chat_id}")
    if isinstance(error, BadRequest):
        return core.PermanentError(message)
    if isinstance(error, (NetworkError, InvalidToken)):
        return core.TransientError(message)
    return core.TransientError(message)

"""Discord failures, sorted into what the core's delivery engine understands.

429 -> RetryAfter(retry_after); 403 code 50007 (cannot send messages to this user) and unknown
user -> Unreachable; other 403/404 (unknown channel, missing access) and 400 -> PermanentError;
5xx, network trouble, a send that takes longer than the transport's timeout, and a malformed
answer (invalid JSON, an HTML page, JSON without the documented fields: discord.py then raises
``ValueError``/``KeyError``/``TypeError``) -> TransientError.
"""
from __future__ import annotations

import asyncio

import aiohttp
import discord

from core.delivery.transport import PermanentError, RetryAfter, TransientError, Unreachable

CANNOT_DM = 50007
UNKNOWN_USER = 10013
MALFORMED = (ValueError, KeyError, TypeError)


def delivery_error(error: BaseException) -> Exception:
    """The delivery contract's exception for a discord.py (or network) failure."""
    if isinstance(error, discord.RateLimited):
        return RetryAfter(float(error.retry_after), scope="chat")
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            retry = 1.0
            body = getattr(error, "response", None)
            headers = getattr(body, "headers", {}) or {}
            try:
                retry = float(headers.get("Retry-After", retry))
            except (TypeError, ValueError):
                pass
            scope = "global" if str(headers.get("X-RateLimit-Global", "")).lower() == "true" else "chat"
            return RetryAfter(retry, scope=scope)
        if error.status >= 500:
            return TransientError(f"discord {error.status}: {error.text[:200]}")
        if error.code in (CANNOT_DM, UNKNOWN_USER):
            return Unreachable(f"discord {error.status}/{error.code}: {error.text[:200]}")
        return PermanentError(f"discord {error.status}/{error.code}: {error.text[:200]}")
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return TransientError(f"network: {type(error).__name__}: {error}")
    if isinstance(error, MALFORMED):
        return TransientError(f"malformed answer from Discord: {type(error).__name__}")
    return PermanentError(f"{type(error).__name__}: {error}")

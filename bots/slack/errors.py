"""Slack Web API failures, sorted into what the core's delivery engine understands.

- HTTP 429 (``ratelimited``): ``RetryAfter`` with the ``Retry-After`` header's seconds.
- the person or the channel is gone, or the app may not write there: ``Unreachable`` for a
  person (no more sends to that identity), ``PermanentError`` for a channel.
- network errors, timeouts and 5xx: ``TransientError`` (try again later).
- a malformed answer (not JSON, an HTML page, JSON without ``ok`` or without the documented
  fields): ``TransientError`` -- a proxy or a Slack in maintenance, not a refusal of the message.
- anything else Slack refuses (``invalid_blocks``, ``msg_too_long``...): ``PermanentError``.

The interactive side (answers to a command) uses ``classify`` to decide whether to log and
go on; the transport raises the result so that the engine decides about retries.
"""
from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from core.delivery.transport import DeliveryError, PermanentError, RetryAfter, TransientError, Unreachable

log = logging.getLogger(__name__)

# What reading an answer without the documented fields raises (``response["channel"]["id"]``).
MALFORMED = (KeyError, TypeError, ValueError)
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a usable Retry-After header
# The person cannot be written to any more (deactivated, deleted, never reachable).
USER_GONE = frozenset({"account_inactive", "user_not_found", "user_disabled", "cannot_dm_bot", "user_not_visible"})
# The channel cannot be written to (gone, archived, the app was removed from it).
CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel", "restricted_action", "team_access_not_granted"})
# Credentials: nothing will work until an admin fixes the configuration.
BAD_AUTH = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive_token"})


def error_code(error: SlackApiError) -> str:
    response = error.response
    try:
        return str(response.get("error") or "") if isinstance(response.data, dict) else ""
    except Exception:  # noqa: BLE001 - a response that is not JSON
        return ""


def retry_after_of(error: SlackApiError) -> float:
    headers = getattr(error.response, "headers", None) or {}
    value = None
    for key in ("Retry-After", "retry-after"):
        if key in headers:
            value = headers[key]
            break
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def classify(error: BaseException, *, to_person: bool) -> DeliveryError:
    """The delivery error a Slack failure means. ``to_person``: the target was a person's DM."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        code = error_code(error)
        if status == 429 or code == "ratelimited":
            return RetryAfter(retry_after_of(error), scope="chat")
        if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}:
            return TransientError(f"slack {status} {code}".strip())
        if not code:  # no Slack error code: the body was not a Slack answer at all
            return TransientError(f"slack http {status}: malformed answer")
        if code in USER_GONE:
            return Unreachable(code) if to_person else PermanentError(code)
        if code in CHANNEL_GONE:
            return Unreachable(code) if to_person else PermanentError(code)
        return PermanentError(code or f"slack http {status}")
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, ConnectionError, SlackClientError)):
        return TransientError(f"{type(error).__name__}: {error}")
    if isinstance(error, MALFORMED):  # an answer without the fields Slack documents
        return TransientError(f"malformed answer: {type(error).__name__}")
    return PermanentError(f"{type(error).__name__}: {error}")


def is_bad_auth(error: BaseException) -> bool:
    return isinstance(error, SlackApiError) and error_code(error) in BAD_AUTH

"""Building the slack-bolt AsyncApp for the core's command service.

Listeners: the ``/alumni`` slash command (``newevent`` and ``announce`` open a modal, see
``modals``), messages in the app's DM and mentions of the app; buttons, menus, modal submissions
and the Home tab are wired in ``interactivity``. Each acknowledges first (Slack wants an answer
within 3 s) and then runs the core. Request signatures are checked by bolt (``request_verification``
stays on; Socket Mode requests come over the authenticated websocket instead), and a signed
request replayed within bolt's five minutes is refused by ``replay.ReplayGuard``.
"""
from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from core.messages.types import ChatKind

from . import dialogs, interactivity, modals
from .replay import ReplayGuard
from .handlers import Adapter, Origin, parse_line, without_mentions
from .profiles import Profiles

log = logging.getLogger(__name__)
SLASH_COMMAND = "/alumni"
DEFAULT_BASE_URL = "https://slack.com/api/"


class _DropClientTokenNotice(logging.Filter):
    """bolt warns that the token is unused when it reads SLACK_BOT_TOKEN beside our client: it is
    the same token, already in the client."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("As you gave `client`")


def quiet_http_logs() -> None:
    """slack_sdk logs request details (headers included) at DEBUG: keep its loggers at INFO or above."""
    for name in ("slack_sdk", "slack_bolt", "aiohttp.access"):
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _DropClientTokenNotice) for f in bolt.filters):
        bolt.addFilter(_DropClientTokenNotice())


def web_client(token: str, base_url: str | None = None) -> AsyncWebClient:
    """The app's Web API client: a network error or a 429 while answering a person is retried a
    little by slack_sdk itself (pushes use ``SlackTransport``, where the core decides instead)."""
    return AsyncWebClient(
        token=token,
        base_url=base_url or DEFAULT_BASE_URL,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=2),
                        AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_app(
    token: str,
    signing_secret: str | None,
    service: Any,
    *,
    base_url: str | None = None,
    socket_mode: bool = False,
) -> tuple[AsyncApp, Adapter]:
    """The bolt app and the adapter state its listeners share.

    Over HTTP a signing secret is required. In Socket Mode no request arrives over HTTP; a
    random secret then makes sure that nothing signed could ever be accepted anyway.
    """
    if not signing_secret:
        if not socket_mode:
            raise ValueError("a signing secret is required to serve Slack requests over HTTP")
        signing_secret = secrets.token_hex(32)
    quiet_http_logs()
    client = web_client(token, base_url)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        url_verification_enabled=True,
    )
    adapter = Adapter(service=service, client=client, profiles=Profiles(client))
    app.use(ReplayGuard().middleware)  # after bolt's signature check: a signed request runs once
    register(app, adapter)
    return app, adapter


def register(app: AsyncApp, adapter: Adapter) -> None:
    @app.command(SLASH_COMMAND)
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        channel_id, user_id = str(body.get("channel_id") or ""), str(body["user_id"])
        origin = Origin(channel_id=channel_id, user_id=user_id, kind=await adapter.kind_of(channel_id, user_id),
                        response_url=body.get("response_url"))
        command, args, text = parse_line(str(body.get("text") or ""))
        if command is None and text is None:
            command = "help"
        title = body.get("channel_name") if origin.kind != ChatKind.PRIVATE else None
        request = await adapter.request_for(origin, command=command, args=args, text=text, title=title)
        if modals.opens_modal(command) and body.get("trigger_id"):
            if await dialogs.open_for_command(adapter, origin, request, str(body["trigger_id"])):
                return
        await adapter.handle(origin, request, retry_as_command=text is not None)

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # channel chatter, edits, joins, our own messages
        if adapter.seen(body.get("event_id")):
            return
        origin = Origin(channel_id=str(event["channel"]), user_id=str(event["user"]), kind=ChatKind.PRIVATE)
        adapter.remember_dm(origin.user_id, origin.channel_id)
        command, args, text = parse_line(without_mentions(str(event.get("text") or "")))
        if command is None and text is None:
            return
        request = await adapter.request_for(origin, command=command, args=args, text=text)
        await adapter.handle(origin, request)

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or not event.get("user") or adapter.seen(body.get("event_id")):
            return
        # A mention is always in a conversation with others (the app's DM has no mentions).
        origin = Origin(channel_id=str(event["channel"]), user_id=str(event["user"]), kind=ChatKind.GROUP,
                        thread_ts=event.get("thread_ts"))
        command, args, text = parse_line(without_mentions(str(event.get("text") or "")))
        if command is None and text is None:
            command = "help"
        request = await adapter.request_for(origin, command=command, args=args, text=text)
        await adapter.handle(origin, request, retry_as_command=text is not None)

    interactivity.register(app, adapter)  # buttons, menus, forms and the Home tab

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # One failing request never stops the app; the payload is not logged (it holds personal data).
        log.error("a Slack request (%s) failed", body.get("type") if isinstance(body, dict) else "?", exc_info=error)

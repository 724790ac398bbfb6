"""``alumni run slack``: Socket Mode when ``SLACK_APP_TOKEN`` is set, else an HTTP server.

``SlackConnector(settings, args)`` is the app as the composition root (``bots/host.py``) runs it,
alone or beside the other bots (``args``: an argparse Namespace with ``port`` and ``listen``, both
optional); ``run(settings, args)`` runs it alone and returns the exit code: a missing or rejected token,
or a signing secret that cannot be one, is one clear line on stderr and a non-zero code, never
a traceback. The token is checked with ``auth.test`` before anything is served.

Over HTTP, one path (``/slack/events``) receives the Events API, the slash command and
interactivity; bolt checks every request's signature and timestamp with the signing secret.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bots import health, host
from bots.connector import ConnectorError, PlatformConnector
from core.app import App
from core.config import Settings
from core.delivery.engine import DeliveryEngine
from core.i18n import _

from . import errors, serving
from .application import build_app
from .handlers import Adapter
from .transport import SlackTransport

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000
DEFAULT_LISTEN = "0.0.0.0"
_SIGNING_SECRET = re.compile(r"^[0-9a-fA-F]{32,}$")



@dataclass
class Running:
    """What ``start`` started, for ``stop``: the bolt app, and (``start`` alone, not under the
    composition root) a delivery engine sending pushes (reminders, announcements) through ``transport``."""

    app: AsyncApp
    adapter: Adapter
    transport: SlackTransport
    engine: DeliveryEngine | None = None
    runner: web.AppRunner | None = None
    socket: AsyncSocketModeHandler | None = None
    port: int | None = None


def check_settings(settings: Settings) -> None:
    if not settings.slack_bot_token:
        raise ConnectorError(_("SLACK_BOT_TOKEN is not set (the app's Bot User OAuth Token, xoxb-...)"))
    if not settings.slack_app_token:
        if not settings.slack_signing_secret:
            raise ConnectorError(_("SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials); "
                                 "or set SLACK_APP_TOKEN for Socket Mode"))
        if not _SIGNING_SECRET.match(settings.slack_signing_secret):
            raise ConnectorError(_("SLACK_SIGNING_SECRET is not a Slack signing secret (32 hexadecimal characters)"))


async def check_token(app: AsyncApp) -> str:
    """``auth.test``: the bot user id, or ConnectorError with the reason in one line."""
    try:
        response = await app.client.auth_test()
    except SlackApiError as error:
        code = errors.error_code(error) or f"HTTP {getattr(error.response, 'status_code', '?')}"
        raise ConnectorError(_("Slack rejected SLACK_BOT_TOKEN ({code})").format(code=code)) from error
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        raise ConnectorError(_("cannot reach the Slack Web API at {url}: {error}").format(url=app.client.base_url, error=type(error).__name__)) from error
    return str(response.get("user_id") or "")


async def start(settings: Settings, service: Any, args: Any = None, *, deliveries: bool = True) -> Running:
    """Check the settings and the token, connect (Socket Mode) or listen (HTTP), then start the
    delivery engine on the service's database (``deliveries=False``: no pushes from this process)."""
    running = await _serve(settings, service, args)
    if deliveries:
        # started once the app is up, stopped first in ``stop``: in-flight sends finish on a live client
        running.engine = host.delivery_engine(service.db, [running.transport], settings)
        await running.engine.start()
    return running


async def _serve(settings: Settings, service: Any, args: Any = None) -> Running:
    check_settings(settings)
    socket_mode = bool(settings.slack_app_token)
    app, adapter = build_app(
        settings.slack_bot_token or "",
        settings.slack_signing_secret,
        service,
        base_url=settings.slack_api_url,
        socket_mode=socket_mode,
    )
    bot_user = await check_token(app)
    transport = SlackTransport.from_settings(settings)
    if socket_mode:
        socket = await serving.connect_socket(app, settings.slack_app_token or "")
        log.info("slack app %s connected in Socket Mode", bot_user)
        return Running(app, adapter, transport, socket=socket)
    web_app = app.web_app(path=EVENTS_PATH)
    health.HealthService(service.db).add_routes(web_app)  # /healthz and /metrics here too: one port is enough
    port = getattr(args, "port", None)
    port = DEFAULT_PORT if port is None else int(port)  # 0: any free port (tests)
    runner, bound = await serving.listen(web_app, getattr(args, "listen", None) or DEFAULT_LISTEN, port)
    log.info("slack app %s listening on port %s, path %s", bot_user, bound, EVENTS_PATH)
    return Running(app, adapter, transport, runner=runner, port=bound)


async def stop(running: Running) -> None:
    if running.engine is not None:
        try:
            await running.engine.stop()
        except Exception:  # noqa: BLE001 - unsent claims run out their lease and are sent later
            log.warning("delivery engine did not stop cleanly", exc_info=True)
    await running.transport.close()
    if running.socket is not None:
        await running.socket.close_async()
    if running.runner is not None:
        await running.runner.cleanup()
    session = getattr(running.app.client, "session", None)
    if session is not None and not session.closed:
        await session.close()


class SlackConnector(PlatformConnector[SlackTransport]):
    """The Slack app as a connector: Socket Mode, or the HTTP server (which serves /healthz too).
    bolt's socket handler and aiohttp's server keep going until stopped."""

    name = "slack"
    running: Running | None = None

    async def start(self, app: App) -> None:
        self.running = await _serve(self.settings, app.commands, self.args)
        self._transport = self.running.transport

    async def stop(self) -> None:
        if self.running is not None:
            await stop(self.running)

    def healthy(self) -> bool:
        return self.running is not None


def connector(settings: Settings, args: Any = None) -> SlackConnector:
    """The app of these settings; ConnectorError when they cannot work (a token or secret missing)."""
    check_settings(settings)
    return SlackConnector(settings, args)


run = host.alone(connector)  # ``alumni run slack``: this bot alone, until SIGTERM or Ctrl-C

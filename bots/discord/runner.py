"""``alumni run discord``: connect to the gateway and answer interactions until stopped.

``run(settings, args)`` is what the CLI calls (a coroutine, so ``alumni run all`` runs it
beside the other bots). ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL``, when set,
replace discord.py's REST base (``discord.http.Route.BASE``) and gateway
(``DiscordWebSocket.DEFAULT_GATEWAY``): a plain ``discord.Client`` connects straight to the
default gateway (it asks ``/gateway/bot`` only when sharded) and adds ``v``, ``encoding`` and
``compress`` query parameters itself, so the variable is the bare websocket URL. A missing or
rejected token is one line on stderr and a non-zero exit code. Once READY, the core's delivery
engine runs beside the gateway (pushes, event mirrors, timed jobs) and is stopped first.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots import health
from bots.lifecycle import error_word, run_until_stopped, stop_on_sigterm
from core.app import open_app
from core.config import Settings
from core.delivery.engine import DeliveryEngine
from core.i18n import _

from .client import AlumniBot

log = logging.getLogger(__name__)
DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def configure_endpoints(api_base_url: str | None, gateway_url: str | None) -> None:
    """Point discord.py at another REST base and gateway (a local server in tests), or back."""
    Route.BASE = (api_base_url or DEFAULT_API_BASE).rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else DEFAULT_GATEWAY


class StartupError(Exception):
    """Stops the bot before it runs; the message is one line of stderr."""


async def start(client: AlumniBot, token: str) -> asyncio.Task[None]:
    """Log in (the token is checked here, commands are published), then connect in a task."""
    try:
        await client.login(token)
    except discord.LoginFailure as error:
        raise StartupError(_("Discord rejected DISCORD_BOT_TOKEN (invalid or revoked token)")) from error
    except (discord.HTTPException, OSError) as error:
        raise StartupError(_("cannot reach the Discord API: {error}").format(error=error)) from error
    return asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")


async def wait_ready(client: AlumniBot, connection: asyncio.Task[None], timeout: float = 60.0) -> None:
    """Until READY, or the gateway connection failed (then its error is raised)."""
    ready = asyncio.ensure_future(client.wait_until_ready())
    done, _pending = await asyncio.wait({ready, connection}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if connection in done:
        ready.cancel()
        connection.result()  # raises the gateway's error
        raise StartupError(_("the Discord gateway closed the connection"))
    if ready not in done:
        ready.cancel()
        raise StartupError(_("the Discord gateway did not answer in time"))


async def run(settings: Settings, args: Any = None, *, stop_event: asyncio.Event | None = None) -> int:
    """Run the bot until SIGTERM, Ctrl-C (cancellation) or ``stop_event``. Returns the exit code."""
    if not settings.discord_bot_token:
        print(f"alumni: {error_word()}: " + _("DISCORD_BOT_TOKEN is not set (create a bot at {url})").format(
            url="https://discord.com/developers/applications"), file=sys.stderr)
        return 2
    configure_endpoints(settings.discord_api_base_url, settings.discord_gateway_url)
    app = await open_app(settings)
    with stop_on_sigterm(stop_event) as stop_event:
        return await _run_until_stopped(settings, app, stop_event)


async def _run_until_stopped(settings: Settings, app: Any, stop_event: asyncio.Event) -> int:
    client = AlumniBot(app.commands)
    engine: DeliveryEngine | None = None
    try:
        try:
            connection = await start(client, settings.discord_bot_token)
            await wait_ready(client, connection)
        except StartupError as error:
            print(f"alumni: {error_word()}: {error}", file=sys.stderr)
            return 1
        except discord.PrivilegedIntentsRequired:
            print(f"alumni: {error_word()}: " + _("Discord refused the bot's intents (enable them in the developer portal)"), file=sys.stderr)
            return 1
        except (discord.DiscordException, OSError) as error:
            print(f"alumni: {error_word()}: " + _("Discord refused to start the bot: {error}").format(error=error), file=sys.stderr)
            return 1
        # pushes (announcements, reminders, notices, mirrors): the core's engine, started once the
        # gateway is READY and stopped before the client closes, so in-flight sends finish through
        # a live HTTP session and its rate-limit buckets
        engine = DeliveryEngine.from_settings(app.db, {"discord": client.transport()}, settings)
        await engine.start()
        stopped = asyncio.ensure_future(stop_event.wait())
        up = engine
        with health.registered("discord", lambda: not client.is_closed() and client.is_ready() and up.running):
            await asyncio.wait({stopped, connection}, return_when=asyncio.FIRST_COMPLETED)
        if connection.done() and not connection.cancelled() and connection.exception() is not None:
            print(f"alumni: {error_word()}: " + _("the Discord connection ended: {error}").format(error=connection.exception()), file=sys.stderr)
            return 1
        stopped.cancel()
        return 0
    finally:
        if engine is not None:
            try:
                await engine.stop()
            except Exception:  # noqa: BLE001 - unsent claims run out their lease and are sent later
                log.warning("delivery engine did not stop cleanly", exc_info=True)
        try:
            await client.close()
        except Exception:  # noqa: BLE001 - never turn a clean stop into a traceback
            log.debug("error while stopping", exc_info=True)
        await app.close()


def main(settings: Settings, args: Any = None) -> int:
    """Synchronous entry point: the exit code."""
    return run_until_stopped(run, settings, args)

"""``alumni run discord``: connect to the gateway and answer interactions until stopped.

``DiscordConnector(settings)`` is the bot as the composition root (``bots/host.py``) runs it,
alone or beside the others; ``run(settings, args)`` runs it alone. ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL``, when set,
replace discord.py's REST base (``discord.http.Route.BASE``) and gateway
(``DiscordWebSocket.DEFAULT_GATEWAY``): a plain ``discord.Client`` connects straight to the
default gateway (it asks ``/gateway/bot`` only when sharded) and adds ``v``, ``encoding`` and
``compress`` query parameters itself, so the variable is the bare websocket URL. A missing or
rejected token is one line on stderr and a non-zero exit code. Once READY, the root's delivery
engine runs beside the gateway (pushes, event mirrors, timed jobs) and is stopped first.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots import host
from bots.connector import ConnectorError, PlatformConnector, never_closed
from core.app import App
from core.config import Settings
from core.i18n import _

from .client import AlumniBot
from .transport import DiscordTransport

log = logging.getLogger(__name__)
DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def configure_endpoints(api_base_url: str | None, gateway_url: str | None) -> None:
    """Point discord.py at another REST base and gateway (a local server in tests), or back."""
    Route.BASE = (api_base_url or DEFAULT_API_BASE).rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else DEFAULT_GATEWAY



async def start(client: AlumniBot, token: str) -> asyncio.Task[None]:
    """Log in (the token is checked here, commands are published), then connect in a task."""
    try:
        await client.login(token)
    except discord.LoginFailure as error:
        raise ConnectorError(_("Discord rejected DISCORD_BOT_TOKEN (invalid or revoked token)")) from error
    except (discord.HTTPException, OSError) as error:
        raise ConnectorError(_("cannot reach the Discord API: {error}").format(error=error)) from error
    return asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")


async def wait_ready(client: AlumniBot, connection: asyncio.Task[None], timeout: float = 60.0) -> None:
    """Until READY, or the gateway connection failed (then its error is raised)."""
    ready = asyncio.ensure_future(client.wait_until_ready())
    done, _pending = await asyncio.wait({ready, connection}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if connection in done:
        ready.cancel()
        connection.result()  # raises the gateway's error
        raise ConnectorError(_("the Discord gateway closed the connection"))
    if ready not in done:
        ready.cancel()
        raise ConnectorError(_("the Discord gateway did not answer in time"))


class DiscordConnector(PlatformConnector[DiscordTransport]):
    """The Discord bot as a connector: logged in, then connected to the gateway until READY."""

    name = "discord"
    client: AlumniBot | None = None
    _connection: asyncio.Task[None] | None = None

    async def start(self, app: App) -> None:
        configure_endpoints(self.settings.discord_api_base_url, self.settings.discord_gateway_url)
        self.client = client = AlumniBot(app.commands)
        # the engine's sender shares this client's HTTP session and rate-limit buckets
        self._transport = client.transport()
        try:
            self._connection = await start(client, self.settings.discord_bot_token or "")
            await wait_ready(client, self._connection)
        except discord.PrivilegedIntentsRequired as error:
            raise ConnectorError(_("Discord refused the bot's intents (enable them in the developer portal)")) from error
        except (discord.DiscordException, OSError) as error:
            raise ConnectorError(_("Discord refused to start the bot: {error}").format(error=error)) from error

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()

    def healthy(self) -> bool:
        return self.client is not None and not self.client.is_closed() and self.client.is_ready()

    async def closed(self) -> None:
        """The gateway connection ended (discord.py reconnects by itself until it cannot)."""
        if self._connection is None:
            return await never_closed()
        try:
            await asyncio.shield(self._connection)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise ConnectorError(_("the Discord connection ended: {error}").format(error=error)) from error


def connector(settings: Settings, args: Any = None) -> DiscordConnector:
    """The bot of these settings; ConnectorError when they cannot work (no token)."""
    if not settings.discord_bot_token:
        raise ConnectorError(_("DISCORD_BOT_TOKEN is not set (create a bot at {url})").format(
            url="https://discord.com/developers/applications"))
    return DiscordConnector(settings)


run = host.alone(connector)  # ``alumni run discord``: this bot alone, until SIGTERM or Ctrl-C

"""The two ways Slack reaches the app: Socket Mode (a websocket the app opens) or HTTP (a port).

Both are set up so that a problem is one clear ``ConnectorError`` line, never a retry loop or a
traceback: a rejected app token, a port already taken.
"""
from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bots.connector import ConnectorError
from core.i18n import _

from . import errors


async def connect_socket(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Socket Mode, connected. The first websocket URL is asked here, so that a bad app token is
    one clear line: slack_sdk's own connect loop would retry it forever."""
    handler = AsyncSocketModeHandler(app, app_token)
    try:
        opened = await app.client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        await handler.close_async()
        raise ConnectorError(_("Slack rejected SLACK_APP_TOKEN ({code}); it must be an app-level token with the "
                             "connections:write scope").format(code=errors.error_code(error) or "error")) from error
    handler.client.wss_uri = str(opened["url"])
    await handler.connect_async()
    return handler


async def listen(web_app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """The HTTP server, listening; and the port it got (``port`` 0: any free port)."""
    runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise ConnectorError(_("cannot listen on port {port}: {error}").format(port=port, error=error.strerror or error)) from error
    bound = site._server.sockets[0].getsockname()[1] if site._server and site._server.sockets else port  # type: ignore[union-attr]
    return runner, int(bound)

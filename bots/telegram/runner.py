"""``alumni run telegram``: long polling by default, or a webhook with Telegram's secret-token header.

The webhook server checks the secret and the size of a call before reading its body (``webhook.py``).

``TelegramConnector(settings, args)`` is the bot as the composition root (``bots/host.py``) runs it,
alone or beside the others (``args``: an argparse Namespace with ``webhook_url``, ``port``,
``listen``, all optional). ``run(settings, args)`` runs it alone and returns the exit code: a missing
or rejected token is one clear line on stderr and a non-zero code, never a traceback.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bots import host
from bots.connector import ConnectorError, PlatformConnector
from core.app import App
from core.config import Settings
from core.i18n import _

from . import descriptions, menu, webhook
from .application import ALLOWED_UPDATES, build_application
from .request import CONNECTIONS, PAID_BROADCAST_CONNECTIONS
from .transport import TelegramTransport

log = logging.getLogger(__name__)
DEFAULT_PORT = 8443
DEFAULT_LISTEN = "0.0.0.0"
MAX_WEBHOOK_BODY = webhook.MAX_BODY  # a larger webhook call is refused (413) unread
WEBHOOK_SERVER = "webhook_server"  # bot_data key of the running webhook server



def webhook_secret(token: str) -> str:
    """The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token.

    Derived from the bot token, so every process of an installation (several behind one reverse
    proxy) registers and accepts the same secret: a random one per process would let the last
    process started reject the calls meant for the others."""
    return hmac.new(token.encode(), b"alumni-bots telegram webhook", hashlib.sha256).hexdigest()


def webhook_path(webhook_url: str) -> str:
    """The path PTB's webhook server listens on: the path of the public URL (a proxy keeps it)."""
    return urlparse(webhook_url).path.strip("/")


async def start(application: Application, args: Any = None, *, poll_timeout: int = 30) -> str | None:
    """Initialize (getMe: the token is checked here), start, then poll or listen.

    Returns the webhook secret in webhook mode. Raises ConnectorError for a rejected token.
    """
    try:
        await application.initialize()
    except InvalidToken as error:
        raise ConnectorError(_("Telegram rejected TELEGRAM_BOT_TOKEN (invalid or revoked token)")) from error
    except NetworkError as error:
        raise ConnectorError(_("cannot reach the Telegram Bot API: {error}").format(error=error)) from error
    if application.bot_data.get("publish_menu", True):
        await menu.publish_menus(application.bot, application.bot_data["service"])
        await descriptions.publish_descriptions(application.bot)
    await application.start()
    webhook_url = getattr(args, "webhook_url", None)
    if webhook_url:
        secret = webhook_secret(application.bot.token)
        # PTB's webhook server with a handler that checks the secret and the size before reading a body
        server = webhook.build_server(
            getattr(args, "listen", None) or DEFAULT_LISTEN, int(getattr(args, "port", None) or DEFAULT_PORT),
            webhook_path(webhook_url), application.bot, application.update_queue, secret, MAX_WEBHOOK_BODY,
        )
        await server.serve_forever()
        application.bot_data[WEBHOOK_SERVER] = server
        await application.bot.set_webhook(url=webhook_url, allowed_updates=ALLOWED_UPDATES, secret_token=secret)
        log.info("telegram bot @%s listening for webhook calls", application.bot.username)
        return secret
    await application.updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
    log.info("telegram bot @%s polling", application.bot.username)
    return None


def serving(application: Application) -> bool:
    """Receiving updates: polling, or the webhook server up."""
    server = application.bot_data.get(WEBHOOK_SERVER)
    if server is not None:
        return bool(server.is_running)
    return bool(application.updater and application.updater.running)


async def stop(application: Application) -> None:
    server = application.bot_data.pop(WEBHOOK_SERVER, None)
    if server is not None:
        await server.shutdown()
    if application.updater and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


class TelegramConnector(PlatformConnector[TelegramTransport]):
    """The Telegram bot as a connector: polling, or the webhook server (``args.webhook_url``).
    PTB reconnects by itself: only a stop ends it."""

    name = "telegram"
    application: Application | None = None

    async def start(self, app: App) -> None:
        paid = self.settings.telegram_paid_broadcast
        self.application = build_application(self.settings.telegram_bot_token or "", app.commands,
                                             connections=PAID_BROADCAST_CONNECTIONS if paid else CONNECTIONS,
                                             base_url=self.settings.telegram_api_base_url)
        self._transport = TelegramTransport(self.application.bot, paid_broadcast=paid)
        try:
            await start(self.application, self.args)
        except TelegramError as error:
            raise ConnectorError(_("Telegram refused to start the bot: {error}").format(error=error)) from error

    async def stop(self) -> None:
        if self.application is not None:
            await stop(self.application)

    def healthy(self) -> bool:
        return self.application is not None and bool(self.application.running and serving(self.application))


def connector(settings: Settings, args: Any = None) -> TelegramConnector:
    """The bot of these settings; ConnectorError when they cannot work (no token)."""
    if not settings.telegram_bot_token:
        raise ConnectorError(_("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)"))
    return TelegramConnector(settings, args)


run = host.alone(connector)  # ``alumni run telegram``: this bot alone, until SIGTERM or Ctrl-C

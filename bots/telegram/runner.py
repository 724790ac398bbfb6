"""``alumni run telegram``: long polling by default, or a webhook with Telegram's secret-token header.

The webhook server checks the secret and the size of a call before reading its body (``webhook.py``).

``run(settings, args)`` is the entry point called by the CLI (a coroutine, so that ``alumni run all``
can run it beside the other bots in one event loop; ``args``: an argparse Namespace with
``webhook_url``, ``port``, ``listen``, all optional). It returns the exit code: a missing or rejected
token is one clear line on stderr and a non-zero code, never a traceback. ``main`` is the
synchronous equivalent.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import sys
from typing import Any
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from core.app import open_app
from bots import health
from bots.lifecycle import error_word, run_until_stopped, stop_on_sigterm
from core.config import Settings
from core.delivery.engine import DeliveryEngine
from core.i18n import _
from core.warmup import warm_up

from . import menu, webhook
from .application import ALLOWED_UPDATES, build_application
from .transport import TelegramTransport

log = logging.getLogger(__name__)
DEFAULT_PORT = 8443
DEFAULT_LISTEN = "0.0.0.0"
MAX_WEBHOOK_BODY = webhook.MAX_BODY  # a larger webhook call is refused (413) unread
WEBHOOK_SERVER = "webhook_server"  # bot_data key of the running webhook server


class StartupError(Exception):
    """A condition that stops the bot before it runs, with a message for one line of stderr."""


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

    Returns the webhook secret in webhook mode. Raises StartupError for a rejected token.
    """
    try:
        await application.initialize()
    except InvalidToken as error:
        raise StartupError(_("Telegram rejected TELEGRAM_BOT_TOKEN (invalid or revoked token)")) from error
    except NetworkError as error:
        raise StartupError(_("cannot reach the Telegram Bot API: {error}").format(error=error)) from error
    if application.bot_data.get("publish_menu", True):
        await menu.publish_menus(application.bot, application.bot_data["service"])
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




async def run(settings: Settings, args: Any = None, *, stop_event: asyncio.Event | None = None) -> int:
    """Run the bot until SIGTERM, Ctrl-C (cancellation) or ``stop_event``. Returns the exit code."""
    if not settings.telegram_bot_token:
        print(f"{error_word()}: " + _("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)"), file=sys.stderr)
        return 2
    app = await open_app(settings)
    with stop_on_sigterm(stop_event) as stop_event:
        return await _run_until_stopped(settings, args, app, stop_event)


async def _run_until_stopped(settings: Settings, args: Any, app: Any, stop_event: asyncio.Event) -> int:
    application = build_application(settings.telegram_bot_token, app.commands, base_url=settings.telegram_api_base_url)
    # pushes (reminders, announcements): the core's engine and scheduler, started once the bot
    # is up and stopped before it goes down, so in-flight sends finish through a live client
    engine = DeliveryEngine.from_settings(app.db, [TelegramTransport(application.bot)], settings)
    try:
        # before the first update: the search index, and (``alumni run``, a process of its own) gc.freeze
        await warm_up(app, freeze=args is not None)
        try:
            await start(application, args)
        except StartupError as error:
            print(f"{error_word()}: {error}", file=sys.stderr)
            return 1
        except TelegramError as error:
            print(f"{error_word()}: " + _("Telegram refused to start the bot: {error}").format(error=error), file=sys.stderr)
            return 1
        await engine.start()
        with health.registered("telegram", lambda: bool(
                application.running and serving(application) and engine.running)):
            await stop_event.wait()
        return 0
    finally:
        try:
            await engine.stop()
        except Exception:  # noqa: BLE001 - unsent claims run out their lease and are sent later
            log.warning("delivery engine did not stop cleanly", exc_info=True)
        try:
            await stop(application)
        except Exception:  # noqa: BLE001 - never turn a clean stop into a traceback
            log.debug("error while stopping", exc_info=True)
        await app.close()


def main(settings: Settings, args: Any = None) -> int:
    """Synchronous entry point: the exit code."""
    return run_until_stopped(run, settings, args)

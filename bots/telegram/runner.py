"""``alumni run telegram``: long polling by default, or a webhook with Telegram's secret-token header.

``run(settings, args)`` is the entry point called by the CLI (a coroutine, so that ``alumni run all``
can run it beside the other bots in one event loop; ``args``: an argparse Namespace with
``webhook_url``, ``port``, ``listen``, all optional). It returns the exit code: a missing or rejected
token is one clear line on stderr and a non-zero code, never a traceback. ``main`` is the
synchronous equivalent.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
from typing import Any
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from core.app import open_app
from core.config import Settings
from core.delivery.engine import DeliveryEngine

from . import menu
from .application import ALLOWED_UPDATES, build_application
from .transport import TelegramTransport

log = logging.getLogger(__name__)
DEFAULT_PORT = 8443
DEFAULT_LISTEN = "0.0.0.0"


class StartupError(Exception):
    """A condition that stops the bot before it runs, with a message for one line of stderr."""


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
        raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN (invalid or revoked token)") from error
    except NetworkError as error:
        raise StartupError(f"cannot reach the Telegram Bot API: {error}") from error
    if application.bot_data.get("publish_menu", True):
        await menu.publish_menus(application.bot, application.bot_data["service"])
    await application.start()
    webhook_url = getattr(args, "webhook_url", None)
    if webhook_url:
        secret = secrets.token_urlsafe(32)  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token
        await application.updater.start_webhook(
            listen=getattr(args, "listen", None) or DEFAULT_LISTEN,
            port=int(getattr(args, "port", None) or DEFAULT_PORT),
            url_path=webhook_path(webhook_url),
            webhook_url=webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("telegram bot @%s listening for webhook calls", application.bot.username)
        return secret
    await application.updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
    log.info("telegram bot @%s polling", application.bot.username)
    return None


async def stop(application: Application) -> None:
    if application.updater and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


# Every running bot's stop event: SIGTERM stops them all (SIGINT cancels the main task, which stops them too).
_stop_events: set[asyncio.Event] = set()


def _stop_all() -> None:
    for event in list(_stop_events):
        event.set()


async def run(settings: Settings, args: Any = None, *, stop_event: asyncio.Event | None = None) -> int:
    """Run the bot until SIGTERM, Ctrl-C (cancellation) or ``stop_event``. Returns the exit code."""
    if not settings.telegram_bot_token:
        print("error: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)", file=sys.stderr)
        return 2
    app = await open_app(settings)
    stop_event = stop_event or asyncio.Event()
    _stop_events.add(stop_event)
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, _stop_all)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
        pass
    application = build_application(settings.telegram_bot_token, app.commands, base_url=settings.telegram_api_base_url)
    # pushes (reminders, announcements): the core's engine and scheduler, started once the bot
    # is up and stopped before it goes down, so in-flight sends finish through a live client
    engine = DeliveryEngine(app.db, [TelegramTransport(application.bot)], lease=settings.delivery_lease_seconds)
    try:
        try:
            await start(application, args)
        except StartupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except TelegramError as error:
            print(f"error: Telegram refused to start the bot: {error}", file=sys.stderr)
            return 1
        await engine.start()
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
        _stop_events.discard(stop_event)
        await app.close()


def main(settings: Settings, args: Any = None) -> int:
    """Synchronous entry point: the exit code."""
    try:
        return asyncio.run(run(settings, args))
    except KeyboardInterrupt:
        return 0

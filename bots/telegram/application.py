"""Building the python-telegram-bot Application for the core's command service."""
from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from bots.kit.pipeline import Pipeline

from . import dedupe, errors, handlers
from .request import CONNECTIONS, AiohttpRequest

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Updates the bot asks for: messages and button presses (nothing else is handled).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


# Loggers that may write a Bot API URL (which contains the token) into a record.
_URL_LOGGERS = ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Updater",
                "telegram.ext.Application", "telegram.request")


class RedactToken(logging.Filter):
    """Replaces the bot token in every record of the logger it is attached to."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg, record.args = message.replace(self.token, "<token>"), ()
        return True


def quiet_http_logs(token: str = "") -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token: keep them out.

    httpx goes to WARNING; PTB's own DEBUG lines ("Set Bot API URL: ...") are redacted.
    """
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        for existing in [f for f in logger.filters if isinstance(f, RedactToken)]:
            logger.removeFilter(existing)
        logger.addFilter(RedactToken(token))


def build_application(
    token: str,
    service: Any,
    *,
    base_url: str | None = None,
    publish_menu: bool = True,
    connections: int = CONNECTIONS,
) -> Application:
    """The PTB Application: one handler for messages, one for button presses, the error handler.

    ``service`` is the core's CommandService (``App.commands``). No PTB job queue:
    the core owns the one scheduler.
    """
    quiet_http_logs(token)

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url or DEFAULT_BASE_URL)
        .job_queue(None)
        .concurrent_updates(True)
        .request(AiohttpRequest(connections))  # Bot API calls; httpx's pool costs more CPU than the bot's own work
        .build()
    )
    application.bot_data["service"] = service
    application.bot_data["pipeline"] = Pipeline(service)  # the turns of this application's chats
    application.bot_data["publish_menu"] = publish_menu
    dedupe.install(application)  # a replayed webhook request (same update_id) is handled once
    application.add_handler(MessageHandler(filters.TEXT & ~filters.UpdateType.EDITED, handlers.on_update))
    application.add_handler(CallbackQueryHandler(handlers.on_update))
    application.add_error_handler(errors.error_handler)
    return application

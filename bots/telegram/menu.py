"""The localized command menu: ``setMyCommands`` once per supported language, plus the default (English)."""
from __future__ import annotations

import logging
import re
from typing import Any

from telegram import BotCommand
from telegram.error import TelegramError

from . import errors
from .languages import telegram_languages

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # what Telegram accepts as a command name
MAX_DESCRIPTION = 256


def bot_commands(service: Any, language: str) -> list[BotCommand]:
    commands = []
    for name, description in service.command_descriptions(language):
        if not _NAME.match(name):
            log.warning("command %r cannot be a Telegram command; left out of the menu", name)
            continue
        description = " ".join((description or name).split())
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 1] + "…"
        commands.append(BotCommand(name, description))
    return commands


async def publish_menus(bot: Any, service: Any) -> None:
    """Set the menu for every supported language and the default scope. Failures are logged, not fatal."""
    for language_code, language in telegram_languages():  # then the default scope, in English
        try:
            commands = bot_commands(service, language)
            await errors.call_api(
                lambda: bot.set_my_commands(commands, language_code=language_code),
                what=f"setMyCommands[{language_code or 'default'}]",
            )
        except (TelegramError, NotImplementedError) as error:
            log.warning("command menu for %s not set: %s", language_code or "default", error)

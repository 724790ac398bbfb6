"""The bot's description and short description in every catalog's language.

Telegram shows the description on the empty chat before /start and the short one on the
bot's profile and in shared links: set once per language at start, like the command menu,
so that first screen is already in the reader's language. Failures are logged, not fatal.
"""
from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError

from core.i18n import N_, _, use_language

from . import errors
from .languages import telegram_languages

log = logging.getLogger(__name__)
MAX_DESCRIPTION = 512  # Telegram's limits
MAX_SHORT_DESCRIPTION = 120

DESCRIPTION = N_(
    "The alumni network's bot. I help you find the alumni association near you, join the channels of your "
    "country and of the topics you care about, keep up with events and receive announcements, in your own "
    "language. Send /start to begin."
)
SHORT_DESCRIPTION = N_("Find your alumni association, join your country's channels and keep up with events, in your language.")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def publish_descriptions(bot: Any) -> None:
    """setMyDescription and setMyShortDescription for every language, and the default."""
    for language_code, language in telegram_languages():
        with use_language(language):
            description = _clip(_(DESCRIPTION), MAX_DESCRIPTION)
            short = _clip(_(SHORT_DESCRIPTION), MAX_SHORT_DESCRIPTION)
        scope = language_code or "default"
        try:
            await errors.call_api(
                lambda: bot.set_my_description(description, language_code=language_code), what=f"setMyDescription[{scope}]"
            )
            await errors.call_api(
                lambda: bot.set_my_short_description(short, language_code=language_code),
                what=f"setMyShortDescription[{scope}]",
            )
        except (TelegramError, NotImplementedError) as error:
            log.warning("bot description for %s not set: %s", scope, error)

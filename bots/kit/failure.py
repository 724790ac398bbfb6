"""What a member reads when the core fails on their request: never silence.

The core's own text, in the language the core last answered the member in, else the one their
platform reports (the core, which knows the member's chosen language, is what failed). Only the asker needs to
know, so the reply is private: ephemeral where the platform has that, else a private chat.
"""
from __future__ import annotations

from core.i18n import DEFAULT_LANGUAGE, _, is_rtl, language_from_locale, use_language
from core.messages.types import Reply, Request


def failure_reply(request: Request, known: str | None = None) -> Reply:
    with use_language(known or language_from_locale(request.sender.locale) or DEFAULT_LANGUAGE) as language:
        return Reply(text=_("Something went wrong on my side. Please try again in a moment."),
                     language=language, rtl=is_rtl(language), private=True)

"""discord.py's ``app_commands.Translator`` fed by our gettext catalogs.

discord.py asks, for each command, option and choice, and for each Discord locale, what to
show; the answers become ``name_localizations`` / ``description_localizations`` in the
command sync. Descriptions are our catalogs' texts as they are. Names are the translations
of the slash words (``names.SLASH_WORDS``) when Discord would accept them, and unique among
the commands of that locale; otherwise None, so the English name stays.
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from core.commands.syntax import register_hint_style
from core.i18n import _, current_language, use_language

from .names import SLASH_WORDS, clip, language_of_locale, locales_of, localized_name

log = logging.getLogger(__name__)
_NAMES = (Where.command_name, Where.group_name, Where.parameter_name)


def translate_word(word: str, language: str) -> str | None:
    """The localized slash name of an English word in a language, or None."""
    msgid = SLASH_WORDS.get(word)
    if msgid is None:
        return None
    with use_language(language):
        return localized_name(_(msgid), word)


def command_hint(name: str, args: str) -> str:
    """What a reader types on Discord: the command's name as their Discord client shows it
    ("/rejoindre tn" in French), English where Discord has no locale for their language."""
    language = current_language()
    localized = translate_word(name, language) if locales_of(language) else None
    return f"/{localized or name} {args}".strip()


register_hint_style("discord", command_hint)


class CatalogTranslator(app_commands.Translator):
    def __init__(self, service: Any, command_names: list[str]) -> None:
        self.service = service
        self.command_names = list(command_names)
        self._descriptions: dict[str, dict[str, str]] = {}  # language -> command -> description
        self._command_names: dict[str, dict[str, str]] = {}  # language -> English name -> localized

    async def load(self) -> None:
        """Settle the command names per language once: a name two commands would share is dropped."""
        self._command_names.clear()
        self._descriptions.clear()

    def _description_of(self, command: str, language: str) -> str | None:
        """The core's own description of a listed command (``command_descriptions``)."""
        table = self._descriptions.get(language)
        if table is None:
            table = self._descriptions[language] = dict(self.service.command_descriptions(language))
        return table.get(command)

    def _names_for(self, language: str) -> dict[str, str]:
        table = self._command_names.get(language)
        if table is None:
            candidates = {name: translate_word(name, language) for name in self.command_names}
            counts = Counter(v for v in candidates.values() if v)
            counts.update(n for n in self.command_names)  # a translation may not shadow another English name
            table = {}
            for name, localized in candidates.items():
                if localized and counts[localized] == 1:
                    table[name] = localized
                elif localized:
                    log.warning("localized command name %r (%s) is not unique; %r stays", localized, language, name)
            self._command_names[language] = table
        return table

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = language_of_locale(locale)
        if language is None or language == "en":
            return None
        if context.location is Where.command_name:
            return self._names_for(language).get(string.message)
        if context.location in _NAMES:
            return translate_word(string.message, language)
        command = string.extras.get("command")
        if context.location is Where.command_description and command:
            translated = self._description_of(command, language)
            if translated:
                return clip(translated)
        with use_language(language):
            translated = _(string.message)
        if not translated or translated == string.message:
            return None
        return clip(translated)

"""What every ``alumni`` command shares: the settings, the open core, output, and the options that
mean the same thing in chat and on the command line.

The lowest module of the command line but ``errors``: the command groups import it, never ``main``.
"""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.app import App, open_app
from core.config import Settings, SettingsError
from core.geo.countries import match_country
from core.i18n import _, match_language

from .errors import CliError

T = TypeVar("T")


def settings() -> Settings:
    """The installation's settings; a bad variable is one line (exit 2)."""
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise CliError(str(error), 2) from None


def with_app(work: Callable[[App], Awaitable[T]]) -> T:
    """Open the core (SQLite: created and migrated on first use), run ``work``, close."""

    async def runner() -> T:
        app = await open_app(settings())
        try:
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(runner())


def out(line: str = "") -> None:
    print(line)


def err(line: str) -> None:
    print(line, file=sys.stderr)


# ---------------------------------------------------------------- options read as the chat reads them


def language_option(value: str | None) -> str | None:
    """A supported language from a code, a locale or a name ("fr", "pt-BR", "français"); None when not given."""
    if not value:
        return None
    language = match_language(value)
    if language is None:
        raise CliError(_("unsupported language {value!r}: use en, fr, es, ar, pt or de").format(value=value), 2)
    return language


def country_option(value: str | None) -> str | None:
    """An ISO code from a code or a country's name in any supported language; None when not given."""
    if not value:
        return None
    found = match_country(value)
    if found is None or (not found.exact and found.score < 90):
        raise CliError(_("unknown country {value!r}").format(value=value), 2)
    return found.code

"""What every ``alumni`` command shares: the settings, the open core, output, and the options that
mean the same thing in chat and on the command line (language, country, theme, time zone, date).

The lowest module of the command line but ``errors``: the command groups import it, never ``main``.
"""
from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import tzlocal
from sqlalchemy.engine import make_url

from core.app import App, open_app
from core.channels import THEMES
from core.config import Settings, SettingsError
from core.events.errors import EventError
from core.events.times import parse_local_datetime
from core.geo.countries import match_country
from core.geo.timezones import is_valid_zone, match_zone
from core.i18n import LANGUAGE_CHOICES, _, current_language, match_language
from core.memberships import resolve_channel

from .errors import CliError

T = TypeVar("T")


def settings() -> Settings:
    """The installation's settings; a bad variable is one line (exit 2), and so is a database file
    whose folder does not exist (SQLite would only say "unable to open database file")."""
    try:
        current = Settings.from_env()
    except SettingsError as error:
        raise CliError(str(error), 2) from None
    check_database_folder(current.database_url)
    return current


def check_database_folder(url: str) -> None:
    """A SQLite file can be created only in a folder that exists: say which folder is missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    folder = Path(parsed.database).parent
    if not folder.is_dir():
        raise CliError(
            _("the folder {folder} of the database does not exist: create it, or set ALUMNI_DATABASE_URL").format(
                folder=folder
            )
        )


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
        raise CliError(_("unsupported language {value!r}: use {languages}").format(value=value, languages=LANGUAGE_CHOICES), 2)
    return language


def country_option(value: str | None) -> str | None:
    """An ISO code from a code or a country's name in any supported language; None when not given."""
    if not value:
        return None
    found = match_country(value)
    if found is None or (not found.exact and found.score < 90):
        raise CliError(_("unknown country {value!r}: give its name or its ISO code, e.g. TN").format(value=value), 2)
    return found.code


def theme_option(value: str | None) -> str | None:
    """A thematic channel's slug from its slug or its name in any language ("health", "santé", "sante")."""
    if not value:
        return None
    slug = resolve_channel(value).slug
    if slug not in THEMES:
        raise CliError(_("unknown theme {value!r}: use {choices}").format(value=value, choices=", ".join(THEMES)), 2)
    return slug


def zone_option(value: str, option: str = "--timezone") -> str:
    """An IANA zone from its name or a city, as the chat's time-zone question accepts it."""
    name = value.strip()
    zone = name if is_valid_zone(name) else match_zone(name)  # UTC and other zones without a city too
    if zone is None:
        raise CliError(
            _("{option}: unknown time zone {value!r}: use an IANA name such as Europe/Paris, or a city").format(
                option=option, value=value
            ),
            2,
        )
    return zone


_UTC_ALIASES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"})


def machine_zone() -> str:
    """The zone this machine is configured with ($TZ, else /etc/localtime): the operator's own clock."""
    named = os.environ.get("TZ", "").strip().lstrip(":")
    if named and is_valid_zone(named):
        return named
    try:
        name = tzlocal.get_localzone_name()
    except (LookupError, OSError, ValueError):  # no zone configured, or one tzlocal cannot read
        return "UTC"
    if not name or name in _UTC_ALIASES or not is_valid_zone(name):
        return "UTC"
    return name


def time_option(value: str, option: str) -> datetime:
    """A local date and time as the chat reads it, in the language of the command line."""
    try:
        return parse_local_datetime(value, current_language())
    except EventError as error:
        raise CliError(f"{option}: {error.translated()}", 2) from None

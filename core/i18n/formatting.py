"""Dates, times and numbers formatted for the reader's locale and time zone."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel import Locale
from babel.dates import format_skeleton
from babel.dates import format_time as _format_time
from babel.dates import format_timedelta
from babel.lists import format_list as _format_list
from babel.numbers import format_decimal

from .catalogs import _, current_language
from .region import format_locale

UTC = ZoneInfo("UTC")


def _zone(timezone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(timezone) if timezone else UTC
    except (KeyError, ValueError):
        return UTC


def format_datetime(moment: datetime, timezone: str | None, format: str | None = None) -> str:
    """An aware instant shown as wall-clock time in the reader's zone and locale.

    The default is a CLDR skeleton (weekday, date, hours and minutes) so that each
    locale orders the parts and picks 12- or 24-hour clocks its own way; no seconds.
    """
    if format is None:
        zone, language = _zone(timezone), format_locale()
        day = format_skeleton("yMMMEd", moment.astimezone(zone), locale=language)
        clock = _format_time(moment, format="short", tzinfo=zone, locale=language)
        pattern = Locale.parse(language).datetime_formats["medium"]
        return str(pattern).replace("{1}", day).replace("{0}", clock)
    return _format_datetime(moment, format=format, tzinfo=_zone(timezone), locale=format_locale())


def format_date(moment: datetime, timezone: str | None, format: str = "full") -> str:
    return _format_date(moment.astimezone(_zone(timezone)).date(), format=format, locale=format_locale())


def format_time(moment: datetime, timezone: str | None, format: str = "short") -> str:
    return _format_time(moment, format=format, tzinfo=_zone(timezone), locale=format_locale())


def format_relative(delta: timedelta) -> str:
    """A time ahead as people say it, with CLDR's direction and case: "dans 1 heure", "in 2 Tagen", "خلال ساعتين".

    Rounded to the largest unit it nearly fills (59 minutes is "in 1 hour"): a reminder one hour ahead
    never reads "59 minutes" because a few seconds went by.
    """
    return format_timedelta(delta, threshold=0.85, add_direction=True, locale=current_language())


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=format_locale())


def labelled(label: str, value: str) -> str:
    """"Label: value" as the reader's language writes it (French puts a no-break space before the colon)."""
    return _("{label}: {value}").format(label=label, value=value)


def numbered(title: str, number: int) -> str:
    """A title with the number people type after a command ("Gala (#12)"), in the reader's typography
    (Chinese, for one, puts it in full-width brackets)."""
    return _("{title} (#{number})").format(title=title, number=number)


def format_list(items: list[str]) -> str:
    return _format_list(items, locale=current_language()) if items else ""

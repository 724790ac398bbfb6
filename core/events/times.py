"""Wall-clock times in IANA zones: parsing what people type, and the UTC instant behind it.

A local time in a spring-forward gap does not exist and is refused; a local time in an
autumn fold happens twice and means the first occurrence (``fold=0``). A duration is real
elapsed time (2h from 01:30 on the night the clocks jump forward ends at 04:30), while an end
typed as a clock time is kept as that clock time (03:30 is then one real hour later).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.units import format_unit

from core.i18n import N_, _, current_language
from core.i18n.formatting import format_list, format_time
from core.i18n.reading import ascii_digits, clock_words, day_period_words, duration_words
from core.text import fold

from .errors import EventError

UTC = timezone.utc
MAX_DURATION = timedelta(days=31)
# Events fall in these years: beyond them a zone conversion can overflow
# (9999-12-31 23:00 in Bogotá is in the year 10000 in UTC).
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True, slots=True)
class Resolved:
    instant: datetime  # aware, UTC
    ambiguous: bool  # the local time happened twice (autumn fold): the first one was taken


def zone_or_error(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise EventError(N_("“{value}” is not a time zone I know."), value=name) from None


def check_year(moment: datetime) -> None:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise EventError(N_("Give a date between the years {first} and {last}."), first=FIRST_YEAR, last=LAST_YEAR)


def to_utc(local: datetime, zone_name: str) -> Resolved:
    """The UTC instant of a wall-clock time; EventError when it falls in a daylight-saving gap."""
    zone = zone_or_error(zone_name)
    check_year(local)
    first = local.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(fold=0, tzinfo=None):
        raise EventError(
            N_("{time} does not exist in {zone}: the clocks jump forward that night. Pick another time."),
            time=local.strftime("%Y-%m-%d %H:%M"),
            zone=zone_name,
        )
    second = local.replace(tzinfo=zone, fold=1)
    return Resolved(instant, first.utcoffset() != second.utcoffset())


def from_utc(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(zone_or_error(zone_name)).replace(tzinfo=None)


def elapsed_end(start: Resolved, duration: timedelta, zone_name: str) -> tuple[datetime, Resolved]:
    """The end ``duration`` of real time after ``start``: its wall-clock time in the zone, and its instant
    (taken as is, so an end in the second pass of an autumn hour is not moved to the first)."""
    instant = start.instant + duration
    return from_utc(instant, zone_name), Resolved(instant, False)


def spoken_duration(span: timedelta) -> str:
    """"2 hours", "1 hour and 30 minutes", "ساعتان": CLDR units in the reader's language."""
    language = current_language()
    minutes = int(span.total_seconds()) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [format_unit(value, unit, length="long", locale=language)
             for value, unit in ((days, "duration-day"), (hours, "duration-hour"), (minutes, "duration-minute")) if value]
    return format_list(parts)


def end_note(starts_at: datetime, ends_at: datetime | None, zone_name: str, by_duration: bool) -> str | None:
    """When the clocks change between the start and the end, which end was meant, in the reader's language:
    a duration is real time, a clock time is kept as typed. None when the clocks do not change."""
    if ends_at is None:
        return None
    zone = zone_or_error(zone_name)
    if starts_at.astimezone(zone).utcoffset() == ends_at.astimezone(zone).utcoffset():
        return None
    values = {"end": format_time(ends_at, zone_name), "duration": spoken_duration(ends_at - starts_at)}
    if by_duration:
        return _("The clocks change during the event: it lasts {duration} of real time, so it ends at {end}.").format(**values)
    return _("The clocks change during the event: it ends at {end} local time, {duration} after it starts.").format(**values)


def example_start(now: datetime | None = None) -> datetime:
    """A start to show as an example, always two weeks ahead or more: 18:30 on the 14th of the month a
    month from now (a day above 12, so that the order of day and month shows)."""
    ahead = (now or datetime.now(UTC)) + timedelta(days=31)
    return datetime(ahead.year, ahead.month, 14, 18, 30)


def example_text() -> str:
    return example_start().strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- typed dates and times


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(.+))?$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})\.?(?:[ ,،]+(.+))?$")
_CLOCK = re.compile(r"^(\d{1,2})(?:\s*[:h.]\s*(\d{2}))?\s*(\D*)$")


def _month_first(language: str) -> bool:
    pattern = Locale.parse(language).date_formats["short"].pattern
    return pattern.lstrip("‏").upper().startswith("M")


def parse_clock(text: str) -> time:
    """"18:30", "18h30", "18h", "6:30 pm", "6pm", "6:30 p. m.", "6:30 م", "18:30 Uhr": the am/pm markers and
    clock words of every supported language (CLDR)."""
    value = ascii_digits(text).strip().lower().replace("\u202f", " ")
    match = _CLOCK.match(value)
    if not match:
        raise EventError(N_("I couldn't read the time “{value}”. Write it like 18:30."), value=text)
    hour, minute, rest = int(match.group(1)), int(match.group(2) or 0), fold(match.group(3))
    suffix = day_period_words().get(rest.replace(" ", ""))
    if suffix is None and rest not in ("", "h") and rest not in clock_words():
        raise EventError(N_("I couldn't read the time “{value}”. Write it like 18:30."), value=text)
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise EventError(N_("I couldn't read the time “{value}”. Write it like 18:30."), value=text)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise EventError(N_("I couldn't read the time “{value}”. Write it like 18:30."), value=text)
    return time(hour, minute)


def parse_local_datetime(text: str, language: str = "en") -> datetime:
    """A date and a time as people type them: ISO ``2027-03-14 18:30`` or the locale's
    order (``14/03/2027 18:30`` in French, ``3/14/2027 6:30 PM`` in English)."""
    value = " ".join(ascii_digits(text).replace("\u200f", "").replace("\u202f", " ").split())
    example = {"value": text, "example": example_text()}
    iso = _ISO.match(value)
    if iso:
        year, month, day, clock = int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), iso.group(4)
    else:
        numeric = _NUMERIC.match(value)
        if not numeric:
            raise EventError(N_("I couldn't read the date “{value}”. Write it like {example}."), **example)
        a, b, c, clock = numeric.group(1), numeric.group(2), numeric.group(3), numeric.group(4)
        if len(a) == 4:  # 2027/03/14
            year, month, day = int(a), int(b), int(c)
        elif _month_first(language) and int(a) <= 12:
            month, day, year = int(a), int(b), int(c)
        else:  # the locale's order, or 14/03/2027 typed in a month-first locale: no 14th month, so day first
            day, month, year = int(a), int(b), int(c)
        if year < 100:
            year += 2000
    if not clock:
        raise EventError(N_("Please give the time too, for example {example}."), example=example_text())
    try:
        day_value = date(year, month, day)
    except ValueError:
        raise EventError(N_("I couldn't read the date “{value}”. Write it like {example}."), **example) from None
    return datetime.combine(day_value, parse_clock(clock))


_DURATION_TOKEN = re.compile(r"\d+|[^\W\d_]+|\S")


def parse_minutes(text: str) -> int | None:
    """One span, in any supported language: "2h", "90m", "1d", "2h15", "1h30m", "2 heures", "2 días", "5 دقائق",
    "ساعتان", "2 ngày" (CLDR's unit words, the reader's language first); a bare number means hours. None if unreadable."""
    tokens = _DURATION_TOKEN.findall(ascii_digits(text).strip().lower())
    words = duration_words(current_language())
    total, index = 0, 0
    previous_unit: int | None = None
    after_word = False
    while index < len(tokens):
        token, index = tokens[index], index + 1
        if token == ".":
            if not after_word:
                return None
            after_word = False  # the dot of an abbreviation ("2 Std.")
            continue
        count, word = (int(token), None) if token.isdigit() else (None, token)
        if count is not None and index < len(tokens) and not tokens[index].isdigit() and tokens[index] != ".":
            word, index = tokens[index], index + 1
        if word is None:  # a bare number: hours, or the minutes after hours ("2h15")
            unit, implied = (1 if previous_unit == 60 else 60), None
        elif (found := words.get(fold(word))) is None:
            return None
        else:
            unit, implied = found
        if count is None and implied is None:
            return None  # a unit with no number ("h1")
        total += (count if count is not None else implied or 0) * unit
        previous_unit, after_word = unit, word is not None
    return total if tokens else None


def parse_duration(text: str) -> timedelta:
    minutes = parse_minutes(text)
    if minutes is None or minutes <= 0:
        raise EventError(N_("I couldn't read the duration “{value}”. Write it like 2h or 90m."), value=text)
    duration = timedelta(minutes=minutes)
    if duration > MAX_DURATION:
        raise EventError(N_("An event can last at most 31 days."))
    return duration

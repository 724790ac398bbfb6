"""What people type: reminder offsets, dates and times in their locale, durations, links."""
from __future__ import annotations

from datetime import datetime

import pytest

from core.events.errors import EventError
from core.events.fields import clean_url
from core.events.reminders import describe_offsets, parse_offsets
from core.events.times import parse_duration, parse_local_datetime
from core.i18n import use_language


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1d 1h", [1440, 60]), ("30m", [30]), ("2h 15m", [120, 15]), ("2h15m", [135]), ("1h30", [90]),
        ("1h, 1d", [1440, 60]), ("30 min", [30]), ("1j", [1440]), ("١ س", [60]), ("off", []), ("OFF", []),
        ("aus", []), ("1h 60m", [60]),
    ],
)
def test_offsets(text: str, minutes: list[int]) -> None:
    assert parse_offsets(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "1x", "-1h", "0m", "31d", "1m 2m 3m 4m 5m 6m", "h1"])
def test_bad_offsets_are_refused_with_a_localized_message(text: str) -> None:
    with pytest.raises(EventError) as refused:
        parse_offsets(text)
    with use_language("fr"):
        assert refused.value.translated() != refused.value.message or "30" in refused.value.translated()


def test_offsets_described_in_the_readers_language() -> None:
    with use_language("fr"):
        said = " ".join(describe_offsets([1440, 60]).replace("\u00a0", " ").split())
        assert said == "Je vous rappelle chaque événement auquel vous avez répondu oui ou peut-être : 1 jour avant et 1 heure avant."
    with use_language("en"):
        assert "2 hours before and 15 minutes before" in describe_offsets([120, 15])
        assert "off" in describe_offsets([])


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("2027-03-14 18:30", "en"), ("2027-03-14T18:30", "de"), ("14/03/2027 18:30", "fr"), ("14/03/2027 18h30", "fr"),
        ("3/14/2027 6:30 PM", "en"), ("3/14/27, 6:30 pm", "en"), ("14.03.27, 18:30", "de"), ("14/3/27, 18:30", "es"),
        ("١٤/٣/٢٠٢٧ ٦:٣٠ م", "ar"), ("14/03/2027 18:30", "pt"),
    ],
)
def test_dates_in_each_locale(text: str, language: str) -> None:
    assert parse_local_datetime(text, language) == datetime(2027, 3, 14, 18, 30)


@pytest.mark.parametrize("text", ["tomorrow", "2027-02-30 10:00", "2027-03-14", "14/03/2027 25:00", "14/03/2027 7:61"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(EventError):
        parse_local_datetime(text, "fr")


def test_durations() -> None:
    assert parse_duration("2h").total_seconds() == 7200
    assert parse_duration("90m").total_seconds() == 5400
    for bad in ("", "0h", "forever", "40d"):
        with pytest.raises(EventError):
            parse_duration(bad)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.org", "https://", "http://exa mple.org", "https://x.org/\u202e"])
def test_links_must_be_http(url: str) -> None:
    with pytest.raises(EventError):
        clean_url(url)
    assert clean_url("https://example.org/a?b=1") == "https://example.org/a?b=1"


@pytest.mark.parametrize("language", ["tr", "de", "ru"])
def test_the_notation_every_help_text_shows_reads_the_same_in_every_language(language: str) -> None:
    """Every language's help says "m for minutes, h for hours, d for days" and the buttons show "1d 1h": a Turkish
    member who types what they see gets one day (CLDR's Turkish narrow minute is also "d"); "5 dk", "1 g" still read."""
    with use_language(language):
        assert parse_offsets("1d 2h") == [1440, 120]
        assert parse_offsets("30m") == [30]
    with use_language("tr"):
        assert parse_offsets("1 g 5 dk") == [1440, 5]

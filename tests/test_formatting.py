"""Dates and times in the reader's locale and time zone."""
from __future__ import annotations

from datetime import datetime, timezone

from core.i18n import use_language
from core.i18n.formatting import format_datetime, format_time
from core.text import clean_line, fold


def test_time_in_reader_zone_and_locale() -> None:
    moment = datetime(2026, 7, 1, 16, 30, tzinfo=timezone.utc)
    with use_language("fr"):
        assert "18:30" in format_datetime(moment, "Europe/Paris")
        assert "juil" in format_datetime(moment, "Europe/Paris")
    with use_language("en"):
        assert "12:30" in format_datetime(moment, "America/New_York")
    with use_language("ar"):
        assert "5:30" in format_datetime(moment, "Africa/Tunis") and "يوليو" in format_datetime(moment, "Africa/Tunis")
    with use_language("de"):
        assert format_time(moment, "Asia/Tokyo") == "01:30"


def test_unknown_zone_falls_back_to_utc() -> None:
    moment = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    with use_language("en"):
        assert "9:00" in format_datetime(moment, "Not/AZone")


def test_fold_and_clean() -> None:
    assert fold("São-Paulo") == "sao paulo"
    assert fold("DÜSSELDORF") == "dusseldorf"
    assert fold("الإسكندرية") == fold("الاسكندرية")
    assert clean_line("a\u202eb\x00c\nd   e", 100) == "abc d e"
    assert len(clean_line("x" * 5000, 200)) == 200

"""``alumni events ...`` run in-process on SQLite and PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.db.types import utcnow
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures
from tests.test_cli import one_line

YEAR = utcnow().year + 1


def test_help_in_the_clis_language(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bots.cli.main import main

    monkeypatch.setenv("ALUMNI_LANG", "fr")
    assert main(["events", "--help"]) == 0
    assert "agendas" in capsys.readouterr().out
    assert main(["events", "create", "--help"]) == 0
    assert "fuseau horaire IANA" in capsys.readouterr().out


def test_create_list_show_export_import_cancel(cli, tmp_path: Path) -> None:  # noqa: ANN001
    code, out, err = cli("events", "create", "--title", "Alumni forum", "--title-fr", "Forum des anciens",
                         "--description", "Yearly", "--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris",
                         "--duration", "2h", "--country", "France", "--place", "Paris", "--capacity", "50")
    assert code == 0, err
    assert one_line(out) == "event 1 created"
    code, out, err = cli("events", "create", "--title", "Webinar", "--start", f"{YEAR}-05-21 10:00",
                         "--timezone", "America/New_York", "--channel", "health", "--url", "https://example.org/w")
    assert code == 0, err

    code, out, _ = cli("events", "list")
    assert code == 0 and out.count("\n") == 2 and "Alumni forum" in out and "Webinar" in out
    code, out, _ = cli("events", "list", "--channel", "health")
    assert "Webinar" in out and "Alumni forum" not in out
    code, out, _ = cli("events", "list", "--country", "FR")
    assert "Alumni forum" in out and "Webinar" not in out

    code, out, _ = cli("events", "show", "1")
    assert code == 0 and "[fr] Forum des anciens" in out and "50 places" in out and f"UTC: {YEAR}-05-20 16:30" in out

    target = tmp_path / "one.ics"
    code, out, err = cli("events", "export", "1", "-o", str(target))
    assert code == 0 and "BEGIN:VEVENT" in target.read_text() and "1 event exported" in err
    code, out, _ = cli("events", "export", "--channel", "fr")
    assert code == 0 and out.count("BEGIN:VEVENT") == 1

    code, out, err = cli("events", "import", str(target))
    assert code == 0, err
    assert "0 created, 0 updated, 1 unchanged, 0 rejected" in out

    code, out, _ = cli("events", "cancel", "1")
    assert code == 0 and "cancelled" in out
    code, out, err = cli("events", "cancel", "1")
    assert code == 1 and "already cancelled" in one_line(err)
    code, out, _ = cli("events", "list")
    assert "Alumni forum" not in out
    code, out, _ = cli("events", "list", "--all")
    assert "Alumni forum" in out and "[cancelled]" in out


CREATE_ERRORS = [
    (("--start", f"{YEAR}-05-20 18:30", "--timezone", "Mars/Olympus", "--country", "FR", "--place", "x"), "time zone"),
    (("--start", f"{YEAR}-05-20", "--timezone", "Europe/Paris", "--country", "FR", "--place", "x"), "time too"),
    (("--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris", "--place", "x"), "country or channel"),
    (("--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris", "--country", "FR"), "place or an online link"),
    (("--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris", "--country", "FR", "--url", "javascript:x"), "web link"),
    (("--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris", "--country", "FR", "--place", "x", "--capacity", "0"), "capacity"),
    (("--start", "2001-05-20 18:30", "--timezone", "Europe/Paris", "--country", "FR", "--place", "x"), "past"),
    (("--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris", "--channel", "tn", "--country", "FR", "--place", "x"), "another country"),
]


def test_create_errors_are_one_line(cli) -> None:  # noqa: ANN001
    """One database for every case (each is refused and changes nothing)."""
    for argv, message in CREATE_ERRORS:
        code, out, err = cli("events", "create", "--title", "T", *argv)
        assert code != 0 and out == "", argv
        assert message in one_line(err), argv
    assert cli("events", "list")[1].strip() == "no events"


def test_import_reports_bad_events(cli, tmp_path: Path) -> None:  # noqa: ANN001
    from tests.test_events_ical import BAD_AND_GOOD

    path = tmp_path / "mixed.ics"
    path.write_bytes(BAD_AND_GOOD)
    code, out, err = cli("events", "import", str(path), "--country", "CO")
    assert code == 1
    assert "1 created" in out and "4 rejected" in out
    assert err.splitlines()[0] == "event 2 (UID no-start): no DTSTART (start)"
    assert err.splitlines()[3].startswith("event 5: no UID")
    code, out, err = cli("events", "import", str(tmp_path / "missing.ics"))
    assert code == 1 and "no such file" in one_line(err)
    (tmp_path / "junk.ics").write_text("not a calendar")
    code, out, err = cli("events", "import", str(tmp_path / "junk.ics"))
    assert code == 1 and "iCalendar" in one_line(err)
    code, out, err = cli("events", "export")
    assert code == 2 and "--channel" in one_line(err)
    code, out, err = cli("events", "show", "99")
    assert code == 1 and "no event number 99" in one_line(err)


def test_import_strict_and_limits(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from tests.test_events_ical import FAULTY

    path = tmp_path / "faulty.ics"
    path.write_bytes(FAULTY)
    code, out, err = cli("events", "import", str(path), "--country", "CO", "--strict")
    assert code == 1 and "0 created" in out and "4 rejected" in out
    lines = err.splitlines()
    assert lines[0].startswith("event 2 (UID huge-sequence): SEQUENCE must be a whole number")
    assert lines[2] == "event 4 (UID mars): unknown time zone Mars/Olympus: use an IANA TZID such as Europe/Paris"
    assert lines[-1] == "nothing was imported (--strict)"
    assert cli("events", "list")[1].strip() == "no events"
    monkeypatch.setenv("ALUMNI_IMPORT_MAX_EVENTS", "5")
    code, out, err = cli("events", "import", str(path), "--country", "CO")
    assert code == 1 and out == ""
    assert one_line(err) == "alumni: error: too many events for one import: 6 (ALUMNI_IMPORT_MAX_EVENTS = 5)"
    monkeypatch.setenv("ALUMNI_IMPORT_MAX_BYTES", "100")
    code, out, err = cli("events", "import", str(path), "--country", "CO")
    assert code == 1 and one_line(err).endswith(": the file is too large for one import (ALUMNI_IMPORT_MAX_BYTES = 100)")
    monkeypatch.delenv("ALUMNI_IMPORT_MAX_BYTES")
    monkeypatch.delenv("ALUMNI_IMPORT_MAX_EVENTS")
    code, out, err = cli("events", "import", str(path), "--country", "CO")
    assert code == 1 and "2 created" in out and len(err.splitlines()) == 4

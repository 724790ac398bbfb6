"""The command line as a new administrator meets it: plurals, time zones named, the same input read
as the chat reads it, and every error one line that names what is valid (issue 16)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.cli.main import main
from core.db.engine import Database
from core.db.models import Announcement
from core.db.types import utcnow
from core.i18n import SUPPORTED_LANGUAGES, language_tag
from tests.announce_helpers import person
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures
from tests.test_cli import one_line

YEAR = utcnow().year + 1


def _one_member_in_tn(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                await person(session, "telegram", "solo", language="en", channels=("tn",))
        finally:
            await db.dispose()

    asyncio.run(work())


def _send_times(database_url: str) -> list[str]:
    async def work() -> list[str]:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                found = await session.scalars(
                    select(Announcement.send_at).where(Announcement.status == "scheduled").order_by(Announcement.id))
                return [moment.strftime("%H:%M") for moment in found]
        finally:
            await db.dispose()

    return asyncio.run(work())


def _days_ahead(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%d 10:00")


def test_announce_says_one_recipient_and_always_names_the_zone(
    cli, database_url: str, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    _one_member_in_tn(database_url)
    code, out, err = cli("announce", "--channel", "tn", "--text-en", "Hello")
    assert code == 0, err
    assert "planned for 1 recipient;" in one_line(out)

    # --at without --timezone: the machine's zone (the administrator's), named in the confirmation
    monkeypatch.setenv("TZ", "Africa/Tunis")
    code, out, err = cli("announce", "--channel", "tn", "--text-en", "Later", "--at", _days_ahead(3))
    assert code == 0, err
    line = one_line(out)
    assert "10:00" in line and "Africa/Tunis" in line and "1 recipient now" in line
    code, out, err = cli("announce", "--channel", "tn", "--text-en", "Later", "--at", _days_ahead(4),
                         "--timezone", "Tokyo")  # a city, as the chat accepts it
    assert code == 0, err
    assert "Asia/Tokyo" in one_line(out)
    code, out, err = cli("announce", "--channel", "tn", "--text-en", "Later", "--at", _days_ahead(5),
                         "--timezone", "UTC")
    assert code == 0, err
    assert "(UTC)" in one_line(out)
    assert _send_times(database_url) == ["09:00", "01:00", "10:00"]  # 10:00 in Tunis, Tokyo and UTC, in UTC


CHOICES = ", ".join(language_tag(code) for code in list(SUPPORTED_LANGUAGES)[:-1])  # the catalogs present, listed
ERRORS = [
    # (argv, fragments of the one line on stderr, fragments it must not hold)
    (("announce", "status"), ("status ID", "announcement"), ("unknown action",)),
    (("announce", "cancel"), ("cancel ID",), ("unknown action",)),
    (("chat", "--lang", "xx"), ("'xx'", CHOICES), ()),
    (("directory", "search", "x", "--theme", "underwater"), ("'underwater'", "health", "education"), ()),
    (("directory", "search", "x", "--lang", "xx"), ("'xx'", CHOICES), ()),
    (("directory", "search", "x", "--country", "Atlantis"), ("'Atlantis'", "ISO code"), ()),
    (("events", "create", "--title", "x", "--start", f"{YEAR}-05-20 18:30", "--timezone", "Mars/Olympus",
      "--country", "FR", "--place", "x"), ("--timezone", "Europe/Paris"), ()),
    (("announce", "--channel", "tn", "--text-en", "x", "--at", f"{YEAR}-01-01 10:00", "--timezone", "Mars/Base"),
     ("--timezone", "Europe/Paris"), ()),
]


def test_errors_are_one_line_and_name_what_is_valid(cli) -> None:  # noqa: ANN001
    for argv, wanted, unwanted in ERRORS:
        code, out, err = cli(*argv)
        assert code == 2 and out == "", (argv, code, out, err)
        line = one_line(err)
        assert line.startswith("alumni: error: "), (argv, line)
        assert all(part in line for part in wanted), (argv, line)
        assert not any(part in line for part in unwanted), (argv, line)


def test_the_same_input_means_the_same_as_in_chat(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # a day-first date that cannot be read month-first: the chat takes it in every language
    code, out, err = cli("events", "create", "--title", "Forum", "--start", f"14/03/{YEAR} 18:30",
                         "--timezone", "Paris", "--country", "FR", "--place", "Paris")
    assert code == 0, err
    code, out, err = cli("events", "show", "1")
    assert f"{YEAR}-03-14 18:30" in out and "Europe/Paris" in out
    # in French, 03/04 is the 3rd of April, as a French member typing it in chat means
    monkeypatch.setenv("ALUMNI_LANG", "fr")
    code, out, err = cli("events", "create", "--title", "Forum", "--start", f"03/04/{YEAR} 18:30",
                         "--timezone", "Europe/Paris", "--country", "FR", "--place", "Paris")
    assert code == 0, err
    code, out, err = cli("events", "show", "2")
    assert f"{YEAR}-04-03 18:30" in out
    monkeypatch.delenv("ALUMNI_LANG")
    # a theme by its name in any language, as /join and /channels take it
    for theme in ("health", "sante", "Santé", "Gesundheit"):
        code, out, err = cli("directory", "search", "alumni", "--theme", theme)
        assert code == 0 and err == "", (theme, err)
    # a channel by its name, as /events takes it
    code, out, err = cli("events", "list", "--channel", "Santé")
    assert code == 0 and err == "", err
    code, out, err = cli("events", "list", "--channel", "Tunisie")
    assert (code, out.strip(), err) == (0, "no events", "")


@pytest.mark.parametrize("argv", [("db", "upgrade"), ("roles", "list"), ("status",), ("audit",)])
def test_a_database_in_a_missing_folder_is_named(
    argv: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "data"
    monkeypatch.setenv("ALUMNI_DATABASE_URL", f"sqlite:///{missing}/alumni.db")
    assert main(list(argv)) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("alumni: error: ") and str(missing) in line and "ALUMNI_DATABASE_URL" in line, line
    assert "db upgrade" not in line  # which would fail the same way
    assert not missing.exists()


@pytest.mark.parametrize("platform", ["telegram", "discord", "slack"])
def test_run_without_a_token_says_alumni_error(platform: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", platform]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("alumni: error: ") and "TOKEN" in line, line


def test_argparse_speaks_the_command_lines_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALUMNI_LANG", "fr")
    assert main(["roles", "grant", "ambassador"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("alumni roles grant: erreur") and "--platform, --user-id" in line
    assert "the following arguments" not in line
    assert main(["run", "myspace"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "'myspace'" in line and "telegram" in line and "invalid choice" not in line
    assert main(["roles", "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("utilisation\u00a0: alumni roles")
    assert "show this help message" not in text and "positional arguments" not in text
    monkeypatch.setenv("ALUMNI_LANG", "en")
    assert main(["roles", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: alumni roles")

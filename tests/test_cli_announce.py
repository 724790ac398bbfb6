"""``alumni announce`` and ``alumni announce status``, in-process on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from bots.cli.main import main
from core.db.engine import Database
from core.db.models import Delivery
from tests.announce_helpers import by_target, person, rows
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures


def _populate(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                await person(session, "telegram", "f", language="fr", channels=("tn",))
                await person(session, "slack", "e", language="en", channels=("tn",))
                await person(session, "discord", "a", language="ar", channels=("tn",))
        finally:
            await db.dispose()

    asyncio.run(work())


def _mark_all(database_url: str, status: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                await session.execute(update(Delivery).where(Delivery.target != "e").values(status=status))
        finally:
            await db.dispose()

    asyncio.run(work())


def _rendered(database_url: str) -> dict[str, dict]:
    async def work() -> dict[str, dict]:
        db = Database(database_url)
        try:
            return await by_target(db)
        finally:
            await db.dispose()

    return asyncio.run(work())


def _rows(database_url: str) -> list[Delivery]:
    async def work() -> list[Delivery]:
        db = Database(database_url)
        try:
            return await rows(db)
        finally:
            await db.dispose()

    return asyncio.run(work())


def test_plan_then_status(cli, database_url: str) -> None:
    _populate(database_url)
    code, out, err = cli(
        "announce", "--channel", "Tunisie", "--text-fr", "Bonjour", "--text", "ar=مرحبا", "--text-en", "Hello",
        "--fallback", "en,fr", "--from", "Bureau",
    )
    assert code == 0, err
    assert out.strip() == "announcement 1 to the Tunisia channel: planned for 3 recipients; running bots deliver it"
    got = _rendered(database_url)
    assert {t: r["text"] for t, r in got.items()} == {"f": "Bonjour", "e": "Hello", "a": "مرحبا"}
    assert "Bureau" in got["f"]["title"]
    code, out, _err = cli("announce", "status", "1")
    assert (code, out.strip()) == (0, "announcement 1 to the Tunisia channel (planned): 0 sent, 0 failed, 0 unreachable, 3 pending")
    _mark_all(database_url, "sent")
    code, out, _err = cli("announce", "status", "1")
    assert out.strip() == "announcement 1 to the Tunisia channel (planned): 2 sent, 0 failed, 0 unreachable, 1 pending"


def test_scheduled_from_the_command_line(cli, database_url: str) -> None:
    code, out, err = cli(
        "announce", "--channel", "tn", "--text-fr", "Plus tard", "--at", "2099-01-01 10:00", "--timezone", "Africa/Tunis"
    )
    assert code == 2 and "more than a year ahead" in err  # a year at most
    from datetime import datetime, timedelta

    when = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d 10:00")
    code, out, err = cli("announce", "--channel", "tn", "--text-fr", "Plus tard", "--at", when, "--timezone", "Africa/Tunis")
    assert code == 0, err
    assert "scheduled for" in out and "10:00" in out
    assert _rows(database_url) == []


ERRORS = [
    (("announce", "--text-fr", "x"), "--channel"),
    (("announce", "--channel", "tn"), "--text-fr"),
    (("announce", "--channel", "nowhere-land", "--text-fr", "x"), "no channel"),
    (("announce", "--channel", "tn", "--text", "xx=bonjour"), "LANG=TEXT"),
    (("announce", "--channel", "tn", "--text-fr", "x", "--fallback", "en"), "fallback language en has no text"),
    (("announce", "--channel", "tn", "--text-fr", "   "), "empty"),
    (("announce", "--channel", "tn", "--text-fr", "x", "--at", "soon"), "is not a date and time"),
    (("announce", "--channel", "tn", "--text-fr", "x", "--at", "2030-01-01 10:00", "--timezone", "Mars/Base"), "time zone"),
    (("announce", "status", "x"), "status ID"),
    (("announce", "status", "99"), "no announcement 99"),
    (("announce", "cancel", "x"), "cancel ID"),
    (("announce", "cancel", "99999999999"), "cancel ID"),  # beyond an INTEGER id: refused before the database
    (("announce", "cancel", "99"), "no announcement 99"),
]


def test_errors_are_one_line(cli) -> None:
    """One upgraded database per backend for the whole table: most errors never reach it."""
    for argv, fragment in ERRORS:
        code, out, err = cli(*argv)
        assert code != 0 and out == "", argv
        lines = err.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in err, (argv, err)


def test_help_in_the_cli_language(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["announce", "--help"]) == 0
    english = capsys.readouterr().out
    assert "--text-fr" in english and "--fallback" in english and "status ID" in english
    monkeypatch.setenv("ALUMNI_LANG", "fr")
    assert main(["announce", "--help"]) == 0
    assert "--text-fr" in capsys.readouterr().out

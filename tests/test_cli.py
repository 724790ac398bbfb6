"""The ``alumni`` command line, run in-process (``main(argv)``) on SQLite and PostgreSQL."""
from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import pytest

from bots.cli import run as commands
from bots.cli.main import build_parser, main
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {lines!r}"
    assert "Traceback" not in text
    return lines[0]


def _all_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_all_commands(sub, (*prefix, name)))
    return found


# ---------------------------------------------------------------- parsing


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _all_commands(build_parser())
    assert ("roles", "grant") in paths and ("directory", "import") in paths and ("run",) in paths
    for path in paths:
        assert main([*path, "--help"]) == 0, path
        out = capsys.readouterr().out
        assert out.startswith("usage: alumni"), path


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "error" in one_line(capsys.readouterr().err)
    assert main(["roles", "grant", "ambassador"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "--platform" in line and "--user-id" in line
    assert main(["run", "myspace"]) == 2
    one_line(capsys.readouterr().err)


# ---------------------------------------------------------------- db


def test_db_upgrade_prints_revision_and_seeds_channels(cli) -> None:
    from core.db.migrate import head_revision

    code, out, _ = cli("db", "upgrade")  # a second time: nothing to do, same answer
    assert code == 0
    assert f"revision {head_revision()}" in out
    code, out, _ = cli("channels", "list")
    assert code == 0
    assert "health" in out and "french-language" in out
    code, out, _ = cli("channels", "list", "--kind", "country")
    assert "tn " in out and "de " in out and "health" not in out


def test_default_database_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roles", "list"]) == 0
    assert "no roles granted" in capsys.readouterr().out
    assert (tmp_path / "alumni.db").exists()


# ---------------------------------------------------------------- roles


def test_roles_grant_list_revoke(cli) -> None:
    code, out, _ = cli("roles", "grant", "ambassador", "--country", "tn", "--platform", "telegram", "--user-id", "42")
    assert code == 0 and "an ambassador (country: TN)" in out
    code, out, _ = cli("roles", "grant", "ambassador", "--country", "TN", "--platform", "telegram", "--user-id", "42")
    assert code == 0 and "already" in out
    assert cli("roles", "grant", "ambassador", "--country", "DE", "--platform", "telegram", "--user-id", "42")[0] == 0
    assert cli("roles", "grant", "administrator", "--platform", "console", "--user-id", "root")[0] == 0

    code, out, _ = cli("roles", "list")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0].startswith("administrator") and "console:root" in lines[0]
    assert "ambassador DE" in out and "ambassador TN" in out and "telegram:42" in out
    code, out, _ = cli("roles", "list", "--country", "TN")
    assert out.strip().count("\n") == 0 and "ambassador TN" in out

    code, out, _ = cli("roles", "revoke", "ambassador", "--country", "TN", "--platform", "telegram", "--user-id", "42")
    assert code == 0 and "revoked" in out
    code, out, err = cli("roles", "revoke", "ambassador", "--country", "TN", "--platform", "telegram", "--user-id", "42")
    assert code == 1 and "no ambassador role" in one_line(err)
    code, out, _ = cli("roles", "revoke", "administrator", "--platform", "console", "--user-id", "root")
    assert code == 0
    code, out, _ = cli("roles", "list")
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "ambassador DE" in lines[0]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["roles", "grant", "ambassador", "--platform", "telegram", "--user-id", "1"], "--country"),
        (["roles", "grant", "ambassador", "--country", "XX", "--platform", "telegram", "--user-id", "1"], "XX"),
        (["roles", "grant", "administrator", "--country", "TN", "--platform", "slack", "--user-id", "U1"], "country"),
        (["roles", "grant", "administrator", "--platform", "slack", "--user-id", "two words"], "user id"),
        (["roles", "grant", "ambassador", "--country", "TN", "--platform", "icq", "--user-id", "1"], "icq"),
    ],
)
def test_roles_invalid_input_is_one_line(cli, argv: list[str], expected: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert expected in one_line(err)
    assert cli("roles", "list")[1].strip() == "no roles granted"


# ---------------------------------------------------------------- directory


def test_directory_import_search_export(cli, tmp_path: Path) -> None:
    code, out, err = cli("directory", "import", "--sample")
    assert code == 0, err
    assert "0 rejected" in out
    created = int(out.split(": ")[1].split(" created")[0])
    assert created > 10
    code, out, _ = cli("directory", "import", "sample")  # idempotent
    assert code == 0 and "0 created" in out and f"{created} unchanged" in out

    code, out, _ = cli("directory", "search", "tunis")
    assert code == 0 and "Tunisia" in out
    code, out, _ = cli("directory", "search", "berlin", "--lang", "fr", "--country", "Allemagne")
    assert code == 0 and "Allemagne" in out and "association" in out
    code, out, err = cli("directory", "search", "x", "--country", "Atlantis")
    assert code == 2 and "Atlantis" in one_line(err)

    code, out, _ = cli("directory", "export")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == created
    code, out, err = cli("directory", "export", "--output", str(tmp_path / "out.csv"))
    assert code == 0 and str(created) in err
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") >= created + 1


def test_a_failed_export_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The export is written beside the target and renamed over it only once complete."""
    target = tmp_path / "directory.csv"
    target.write_text("id,name\nkept,Previous export\n", encoding="utf-8")
    monkeypatch.setenv("ALUMNI_DATABASE_URL", "postgresql://alumni:alumni@127.0.0.1:1/unreachable")
    code = main(["directory", "export", "--output", str(target)])
    assert code != 0 and "Traceback" not in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "id,name\nkept,Previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["directory.csv"]  # no temporary file left


def test_directory_import_reports_rejected_lines(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,country\nGood one,TN\nBad one,Atlantis\n", encoding="utf-8")
    code, out, err = cli("directory", "import", "--strict", str(bad))
    assert code == 1
    assert "line 3:" in err and "nothing was imported" in err
    code, out, err = cli("directory", "import", str(bad))
    assert code == 1 and "1 created" in out and "line 3:" in err
    code, out, err = cli("directory", "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "missing.csv" in one_line(err)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, out, err = cli("directory", "import", str(binary))
    assert code == 1 and "UTF-8" in one_line(err)


def test_directory_import_refuses_a_duplicated_column_and_keeps_its_limits(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text("name,country,name\nGood one,TN,Other\n", encoding="utf-8")
    code, out, err = cli("directory", "import", str(twice))
    assert code == 1 and one_line(err).endswith(": column name appears twice in the header")
    rows = tmp_path / "rows.csv"
    rows.write_text("name,country\nOne,TN\nTwo,TN\nThree,TN\n", encoding="utf-8")
    monkeypatch.setenv("ALUMNI_IMPORT_MAX_ROWS", "2")
    code, out, err = cli("directory", "import", str(rows))
    assert code == 1 and one_line(err).endswith(": too many rows for one import (ALUMNI_IMPORT_MAX_ROWS = 2)")
    monkeypatch.setenv("ALUMNI_IMPORT_MAX_ROWS", "two")
    code, out, err = cli("directory", "import", str(rows))
    assert code == 2 and "ALUMNI_IMPORT_MAX_ROWS must be a positive whole number" in one_line(err)
    monkeypatch.setenv("ALUMNI_IMPORT_MAX_ROWS", "3")
    code, out, err = cli("directory", "import", str(rows))
    assert code == 0 and "3 created" in out


# ---------------------------------------------------------------- channels


def test_channels_members_after_joining_in_chat(cli, database_url: str) -> None:
    import asyncio

    from core.app import open_app
    from core.messages.types import Chat, Request, Sender
    from core.config import Settings

    async def join() -> None:
        app = await open_app(Settings(database_url=database_url))
        try:
            sender = Sender(platform="console", user_id="alice", locale="fr")
            await app.commands.handle(Request(sender=sender, chat=Chat("console"), command="join", args="Tunisie"))
        finally:
            await app.close()

    asyncio.run(join())
    code, out, _ = cli("channels", "members", "tn")
    assert code == 0 and "console:alice" in out
    code, out, _ = cli("channels", "list")
    assert "tn " in out and "1 member " in out
    code, out, err = cli("channels", "members", "atlantis")
    assert code == 1 and "atlantis" in one_line(err)


# ---------------------------------------------------------------- run


def test_run_unavailable_platform(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(commands, "_runner", lambda platform: None)
    assert main(["run", "slack"]) == 2
    assert one_line(capsys.readouterr().err).endswith("the slack bot is not available in this version")
    assert main(["run", "all"]) == 2
    one_line(capsys.readouterr().err)


def test_run_passes_settings_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    async def fake_run(settings, args):
        seen["settings"], seen["args"] = settings, args
        return 0

    monkeypatch.setattr(commands, "_runner", lambda platform: fake_run if platform == "telegram" else None)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    argv = ["run", "telegram", "--webhook-url", "https://bot.example.org/hook", "--port", "8080", "--listen", "127.0.0.1"]
    assert main(argv) == 0
    assert seen["settings"].telegram_bot_token == "123:abc"
    assert (seen["args"].webhook_url, seen["args"].port, seen["args"].listen) == (
        "https://bot.example.org/hook", 8080, "127.0.0.1",
    )
    seen.clear()
    assert main(["run", "all"]) == 0  # only telegram has a token
    assert seen["args"].platform == "all"


# ---------------------------------------------------------------- errors and secrets


def test_database_errors_are_one_line_without_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:token-that-must-not-leak")
    monkeypatch.setenv("ALUMNI_DATABASE_URL", "postgresql://alumni:pg-secret-pw@127.0.0.1:1/nowhere")
    assert main(["roles", "list"]) == 1
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert "pg-secret-pw" not in captured.err + captured.out
    assert "token-that-must-not-leak" not in captured.err + captured.out
    assert "database" in line
    monkeypatch.setenv("ALUMNI_DATABASE_URL", "mysql://someone:pg-secret-pw@db/x")
    assert main(["db", "upgrade"]) == 1
    captured = capsys.readouterr()
    assert "mysql" in one_line(captured.err) and "pg-secret-pw" not in captured.err


def test_postgres_without_schema_says_to_upgrade(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite databases are migrated on first use")
    monkeypatch.setenv("ALUMNI_DATABASE_URL", database_url)
    assert main(["roles", "list"]) == 1
    assert "alumni db upgrade" in one_line(capsys.readouterr().err)


def test_messages_follow_alumni_lang(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bots.cli.main import cli_language

    monkeypatch.setenv("ALUMNI_LANG", "fr")
    assert cli_language() == "fr"
    monkeypatch.setenv("ALUMNI_LANG", "klingon")
    assert cli_language() is None
    monkeypatch.delenv("ALUMNI_LANG")
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    assert cli_language() == "pt"
    assert main(["--help"]) == 0  # whatever the catalogs hold, help renders

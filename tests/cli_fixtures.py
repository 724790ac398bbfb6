"""Fixtures for running the ``alumni`` command line in-process (``main(argv)``).

Import them into a test module: ``from tests.cli_fixtures import cli, cli_environment``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bots.cli.main import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def cli_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """English messages, no database or tokens from the developer's shell, a scratch working directory."""
    for name in (
        "ALUMNI_LANG", "LC_ALL", "LC_MESSAGES", "ALUMNI_DATABASE_URL", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN",
        "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``cli("roles", "list") -> (code, stdout, stderr)`` against an upgraded database of each backend."""
    monkeypatch.setenv("ALUMNI_DATABASE_URL", database_url)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, _out, err = run("db", "upgrade")
    assert code == 0, err
    return run

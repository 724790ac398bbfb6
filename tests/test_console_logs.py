"""``alumni chat``: log lines never share the member's screen (a file in the data directory, stderr only with -v)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.cli_fixtures import Run, cli, cli_environment  # noqa: F401

REFUSAL = "refused: member"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALUMNI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def chat(cli: Run, monkeypatch: pytest.MonkeyPatch, script: str, *options: str) -> tuple[int, str, str]:  # noqa: F811
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    return cli(*options, "chat", "--user", "ann", "--lang", "fr")


def test_a_refusal_is_logged_to_a_file_in_the_data_directory_not_on_screen(
    cli: Run, monkeypatch: pytest.MonkeyPatch, data_dir: Path  # noqa: F811
) -> None:
    code, out, err = chat(cli, monkeypatch, "/newevent\n")
    assert code == 0, err
    assert REFUSAL not in out and REFUSAL not in err and "WARNING" not in out + err
    (log_file,) = (data_dir / "logs").glob("*.log")
    assert REFUSAL in log_file.read_text(encoding="utf-8")
    assert log_file.stat().st_mode & 0o077 == 0  # private: it names members


def test_with_v_the_console_logs_on_stderr_too(cli: Run, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:  # noqa: F811
    code, out, err = chat(cli, monkeypatch, "/newevent\n", "-v")
    assert code == 0, err
    assert REFUSAL in err and REFUSAL not in out

"""Every command the README shows works as written on a fresh machine.

The README's code blocks are read as a newcomer would copy them: each line that is a complete command (no
placeholder such as FILE or ID, no ``[option]`` or ``a|b`` syntax summary) and that runs offline without
blocking is run through ``bash`` in an empty directory whose ``.venv`` is this test run's environment, with
no ``USER`` variable (as root in a container). Commands that start a bot or the whole suite are only checked
to exist.
"""
from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PLACEHOLDER = re.compile(r"\b(FILE|ID|SLUG|TEXT|URL|N|L|LANG|ZONE|NAME|QUERY|DATE|PLATFORM|X|Y|K|ACTION)\b")
SUMMARY = re.compile(r"\[|\]|\.\.\.|·|\\$|\|\s*all\b|required\|none|country\|theme|revoke\|list")
# Long-running or repository-changing commands: checked to exist, not run.
NOT_RUN = re.compile(r"^(make |alumni run |\.venv/bin/alumni run |alumni chat|\.venv/bin/python -m bench\.|"
                     r"\.venv/bin/python scripts/)")


def _blocks() -> list[str]:
    lines, inside = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if inside:
            lines.append(line)
    return lines


def _commands() -> list[str]:
    found = []
    for line in _blocks():
        command = re.split(r"\s{2,}#", line.strip(), maxsplit=1)[0].strip()
        command = command.split("  → ")[0].strip()
        if re.match(r"^(\.venv/bin/|alumni |make |printf |python)", command):
            found.append(command)
    # Commands quoted in the prose ("it can be scripted: `printf ... | .venv/bin/alumni chat`").
    prose = re.sub(r"^```.*?^```", "", README.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    for span in re.findall(r"`([^`\n]+)`", prose):
        if re.match(r"^(printf |\.venv/bin/alumni )", span):
            found.append(span)
    return found


def _runnable(command: str) -> bool:
    return not PLACEHOLDER.search(command) and not SUMMARY.search(command) and not NOT_RUN.match(command)


def test_the_readme_shows_commands_that_this_test_reads() -> None:
    commands = _commands()
    assert any(c.startswith(".venv/bin/alumni roles grant") for c in commands)
    assert sum(_runnable(c) for c in commands) >= 4


def test_no_command_in_the_docs_uses_a_bare_python() -> None:
    """A bare ``python`` on a fresh machine lacks the project's dependencies: commands name the venv's."""
    bare = [c for c in _commands() if re.match(r"^python3?\s", c)]
    for page in [README, *ROOT.glob("docs/*.md"), *ROOT.glob("bots/*/README.md")]:
        prose = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
        bare += [f"{page.relative_to(ROOT)}: {span}" for span in re.findall(r"`(python3? [^`\n]*)`", prose)]
    assert bare == []


def test_every_module_and_script_the_readme_names_exists() -> None:
    for command in _commands():
        if match := re.match(r"^\.venv/bin/python -m ([\w.]+)", command):
            assert (ROOT / (match.group(1).replace(".", "/") + ".py")).is_file(), command
        if match := re.match(r"^\.venv/bin/python (scripts/\S+)", command):
            assert (ROOT / match.group(1)).is_file(), command


def test_every_runnable_readme_command_works_as_written(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "alumni"):
        target = Path(sys.executable).parent / name
        (venv / "bin" / name).symlink_to(target if target.exists() else Path(sys.executable))
    env = {key: value for key, value in os.environ.items() if key not in ("USER", "USERNAME", "LOGNAME")}
    env.update({
        "ALUMNI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'alumni.db'}",
        "ALUMNI_DATA_DIR": str(tmp_path / "data"),
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(tmp_path),
    })
    ran = []
    # The sample directory first, as `make run` does, so that searches find something.
    for command in [".venv/bin/alumni directory import --sample", *filter(_runnable, _commands())]:
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout}\n{result.stderr}"
        ran.append(command)
    granted = subprocess.run([str(venv / "bin" / "alumni"), "roles", "list"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    # The README's grant names the same console user that `alumni chat` would be, even without $USER.
    assert f"console:{pwd.getpwuid(os.getuid()).pw_name}" in granted.stdout, granted.stdout


@pytest.mark.parametrize("command", ["make run", "make test"])
def test_the_two_setup_commands_are_make_targets(command: str) -> None:
    assert command in _commands()
    target = command.split()[1]
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.MULTILINE)

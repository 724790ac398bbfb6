"""The console bot: rendering (pure), line parsing, the loop, and ``alumni chat`` end to end."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bots.console import ConsoleSession, render, run_console
from core.messages.types import Button, Card, Chat, Field, FileAttachment, Link, Pager, Reply, Request, Sender
from core.commands.handlers.prompts import picker_order
from tests.rtl_samples import ARABIC, ENGLISH, LRM, MARKS, RLM, URL

ROOT = Path(__file__).resolve().parents[1]
SENDER = Sender(platform="console", user_id="tester", locale="fr")


def test_render_numbers_buttons_across_cards_rows_pager_and_replies() -> None:
    first = Reply(
        title="Associations",
        text="Two found",
        cards=[
            Card(
                title="Club de Tunis",
                subtitle="Tunis, Tunisie",
                fields=(Field("Langues", "fr, ar"),),
                url="https://tunis.example.org",
                buttons=(Button("Rejoindre", "join tn"),),
            )
        ],
        links=[Link("Site", "https://example.org")],
        buttons=[[Button("A", "a"), Button("B", "b", selected=True)]],
        pager=Pager(page=2, pages=5, previous=Button("‹", "associations p1"), next=Button("›", "associations p3")),
    )
    second = Reply(text="More", buttons=[[Button("C", "c")]])
    rendered = render([first, second])
    assert [b.action for b in rendered.choices] == ["join tn", "a", "b", "associations p1", "associations p3", "c"]
    text = "\n".join(rendered.lines)
    assert rendered.lines[0] == "Associations"
    assert "• Club de Tunis" in text and "  Tunis, Tunisie" in text and "  Langues: fr, ar" in text
    assert "https://tunis.example.org" in text and "Site: https://example.org" in text
    assert "    [1] Rejoindre" in text and "  [2] A" in text and "  [3] B ✓" in text
    assert "page 2/5" in text and "  [4] ‹" in text and "  [5] ›" in text and "  [6] C" in text
    assert "\x1b" not in text


def test_render_styles_only_when_asked_and_strips_escapes() -> None:
    reply = Reply(title="Hello", text="evil \x1b[31mred\x1b[0m text\u202e", file=FileAttachment("x.json", b"{}"))
    plain = render([reply])
    assert plain.lines == ["Hello", "evil [31mred[0m text"]
    assert plain.files == [("x.json", b"{}")]
    styled = render([reply], styled=True)
    assert styled.lines[0].startswith("\x1b[") and "Hello" in styled.lines[0]


def test_session_parses_commands_numbers_and_text() -> None:
    async def handle(request: Request) -> list[Reply]:
        return []

    session = ConsoleSession(handle, SENDER)
    assert session.parse("   ") is None
    request = session.parse("/Join  tn ")
    assert (request.command, request.args, request.chat.chat_id) == ("join", "tn", "console")
    assert session.parse("3").text == "3"  # no choices shown: a number is text
    session.choices = [Button("Français", "language fr"), Button("Deutsch", "language de")]
    assert session.parse("2").action == "language de"
    missing = session.parse("7")
    assert (missing.number, missing.count) == (7, 2)
    assert session.parse("Tunisie").text == "Tunisie"


async def test_loop_with_piped_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout, data = tmp_path / "checkout", tmp_path / "data"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("ALUMNI_DATA_DIR", str(data))
    seen: list[Request] = []

    async def handle(request: Request) -> list[Reply]:
        seen.append(request)
        if request.command == "start":
            return [Reply(text="Language?", buttons=[[Button("English", "language en"), Button("Français", "language fr")]])]
        if request.command == "mydata":
            return [Reply(text="Your data", file=FileAttachment("mydata.json", b'{"a": 1}'))]
        return [Reply(text=f"got {request.action or request.text}")]

    stdin, stdout, stderr = io.StringIO("/start\n9\n2\nhello\n/mydata\n"), io.StringIO(), io.StringIO()
    code = await run_console(handle=handle, user="ann", locale="fr", stdin=stdin, stdout=stdout, stderr=stderr, interactive=False)
    assert code == 0 and stderr.getvalue() == ""
    assert [r.sender.user_id for r in seen] == ["ann"] * 4
    assert seen[1].action == "language fr" and seen[2].text == "hello"
    out = stdout.getvalue()
    assert "  [2] Français" in out and "got language fr" in out and "There is no choice 9" in out
    saved = data / "console" / "mydata.json"
    assert saved.read_bytes() == b'{"a": 1}' and f"(file saved: {saved})" in out
    assert list(checkout.iterdir()) == []  # nothing in the working directory (the checkout under make run)
    assert "\x1b" not in out and "> " not in out


async def test_loop_reports_core_failures_in_one_line() -> None:
    async def handle(request: Request) -> list[Reply]:
        raise RuntimeError("boom\nsecond line")

    stdout, stderr = io.StringIO(), io.StringIO()
    code = await run_console(handle=handle, stdin=io.StringIO("hi\n"), stdout=stdout, stderr=stderr, interactive=False)
    assert code == 1 and stderr.getvalue().strip().splitlines() == ["alumni chat: error: boom"]


def test_alumni_chat_end_to_end(database_url: str, tmp_path: Path) -> None:
    """The real core through ``alumni chat`` with piped stdin: the README walkthrough."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env.update(ALUMNI_DATABASE_URL=database_url, LANG="C.UTF-8", PYTHONPATH=str(ROOT))
    env.pop("ALUMNI_LANG", None)
    env.pop("ALUMNI_DATA_DIR", None)
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")  # the default data directory, not the working one
    run = lambda *argv, stdin="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bots.cli", *argv], input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    french = 1 + picker_order().index("fr")  # the picker lists the catalogs present, by their own names
    script = f"/start\n{french}\nAllemagne\n/join Tunisie\n/mydata\n"
    result = run("chat", "--user", "alice", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"[{french}] Français" in out
    assert "Allemagne" in out
    assert "\x1b" not in out and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.json"))
    (saved,) = (tmp_path / "xdg" / "alumni-bots" / "console").glob("*.json")
    assert str(saved.resolve()) in out  # says where the file is
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["identities"][0]["user_id"] == "alice" and [c["channel"] for c in exported["channels"]] == ["tn"]
    members = run("channels", "members", "tn")
    assert members.returncode == 0 and "console:alice" in members.stdout


async def test_a_core_failure_is_told_once_on_stderr_and_not_logged_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    """``alumni chat`` writes WARNING logs to stderr: the failure must not add a traceback to its one line."""
    async def handle(request: Request) -> list[Reply]:
        raise RuntimeError("boom")

    stdout, stderr = io.StringIO(), io.StringIO()
    with caplog.at_level(logging.DEBUG):
        code = await run_console(handle=handle, locale="fr", stdin=io.StringIO("hi\n"), stdout=stdout, stderr=stderr,
                                 interactive=False)
    assert code == 1 and "Un problème est survenu" in stdout.getvalue()  # the member is told, in their language
    assert [r for r in caplog.records if r.levelno > logging.DEBUG] == []


async def test_the_banner_and_the_error_line_speak_the_members_language_not_the_terminals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A member who chose French earlier is greeted in French even when the terminal's locale says nothing."""
    async def handle(request: Request) -> list[Reply]:
        if request.command == "start":
            return [Reply(text="Bon retour !", language="fr")]
        raise RuntimeError("boom")

    typed = iter(["bonjour"])

    def keyboard(prompt: str = "") -> str:  # the terminal: one line typed, then Ctrl-D
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", keyboard)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = await run_console(handle=handle, locale=None, stdin=io.StringIO(), stdout=stdout, stderr=stderr,
                             interactive=True)
    out = stdout.getvalue()
    assert code == 1
    assert "Console bot" not in out and "Ctrl-D" in out and out.index("Ctrl-D") < out.index("Bon retour")
    assert stderr.getvalue().strip() == "alumni chat: erreur: boom"
    assert "Un problème est survenu" in out  # the failure reply too: the language the core last answered in


def test_an_rtl_reply_reads_right_to_left_and_an_ltr_one_gets_no_mark() -> None:
    lines = render([ARABIC]).lines
    assert lines[0] == RLM + "Alumni ألمانيا"
    assert lines[1:5] == [RLM + LRM + "/start — ابدأ من هنا", RLM + "München، ألمانيا", "مرحبا بك",
                          "\u2068Bob\u2069 ينتظرك"]
    assert lines[5] == f"• {RLM}München، ألمانيا"
    assert f"  {RLM}Berlin ثم ألمانيا" in lines and f"  {URL}" in lines  # a URL alone is never marked
    assert f"    [1] {RLM}RSVP نعم" in lines and f"  [2] {RLM}OK موافق" in lines
    assert not any(mark in line for line in render([ENGLISH]).lines for mark in MARKS)

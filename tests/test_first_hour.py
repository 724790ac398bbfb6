"""Done means (issue 16): a whole first hour through ``alumni chat`` — a member, an ambassador and an
administrator, in French, Spanish and Arabic — and the transcript read as they would read it.

The real command line runs in-process (``main(["chat", ...])``, its logging set-up included) on one
SQLite database with the sample directory. Each line typed is chosen from what the screen shows
(``Pick("Continue")`` presses the numbered choice with that label in the member's language), so the
script follows the flows as a person would. The transcript must hold no log line, no English
sentence where the member's language has its own, no unbalanced isolate and no URL shown twice in
one response.
"""
from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bots.cli.main import main
from core.geo.countries import country_name
from core.i18n import _, language_name, use_language
from tests.reply_checks import repeated_urls, unbalanced_isolates

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = {"fr": ("MA", "Casablanca", "Africa/Casablanca"), "es": ("MX", "Guadalajara", "America/Mexico_City"),
             "ar": ("TN", "Sfax", "Africa/Tunis")}
ENGLISH_VERSION = "Welcome, everyone!"  # the ambassador's English version: its preview is English by design
EVENT_IDS = {language: number for number, language in enumerate(LANGUAGES, 1)}  # each ambassador creates one
LOG_LINE = re.compile(r"^\s*(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|Traceback|^\S+\.\S+: ")
CHOICE = re.compile(r"^\s*\[(\d+)\] (.*?)( ✓)?$")


def said(language: str, msgid: str) -> str:
    with use_language(language):
        return _(msgid)


@dataclass(frozen=True)
class Pick:
    """Press the numbered choice whose label is ``msgid`` (translated), or exactly ``label``."""

    msgid: str = ""
    label: str = ""

    def line(self, language: str, screen: str) -> str:
        wanted = self.label or said(language, self.msgid)
        found = [m.group(1) for m in map(CHOICE.match, screen.splitlines()) if m and m.group(2) == wanted]
        assert found, f"no choice {wanted!r} on the screen:\n{screen}"
        return found[-1]


@dataclass(frozen=True)
class Await:
    """Wait (a few seconds at most) until a push titled ``msgid`` is on the screen, then type ``then``."""

    msgid: str
    then: str

    def line(self, language: str, screen: io.StringIO) -> str:
        wanted = said(language, self.msgid)
        deadline = time.monotonic() + 10
        while wanted not in screen.getvalue():
            assert time.monotonic() < deadline, f"no push {wanted!r} arrived:\n{screen.getvalue()}"
            time.sleep(0.05)
        return self.then


Step = str | Pick | Await


class Keyboard(io.TextIOBase):
    """Piped standard input that types each step once the answer to the previous one is on screen."""

    def __init__(self, steps: list[Step], language: str, screen: io.StringIO) -> None:
        self.steps, self.language, self.screen, self.seen = list(steps), language, screen, 0
        self.lost = ""

    def readline(self, size: int = -1) -> str:  # noqa: ARG002
        if not self.steps:
            return ""
        step = self.steps.pop(0)
        shown = self.screen.getvalue()[self.seen:]
        self.seen = len(self.screen.getvalue())
        try:
            if isinstance(step, Await):
                line = step.line(self.language, self.screen)
                self.seen = len(self.screen.getvalue())
            else:
                line = step if isinstance(step, str) else step.line(self.language, shown)
        except AssertionError as lost:  # the flow did not go as scripted: stop typing, the test says where
            self.lost, self.steps = str(lost), []
            return ""
        return line + "\n"

    def isatty(self) -> bool:
        return False


def chat(monkeypatch: pytest.MonkeyPatch, user: str, language: str, steps: list[Step]) -> tuple[str, str]:
    screen, errors = io.StringIO(), io.StringIO()
    keyboard = Keyboard(steps, language, screen)
    with monkeypatch.context() as terminal:
        terminal.setattr("sys.stdin", keyboard)
        terminal.setattr("sys.stdout", screen)
        terminal.setattr("sys.stderr", errors)
        code = main(["chat", "--user", user, "--lang", language])
    assert not keyboard.lost, f"{user}: {keyboard.lost}"
    assert code == 0, errors.getvalue()
    return screen.getvalue(), errors.getvalue()


def run_cli(*argv: str) -> None:
    """An `alumni` command of the installation's administrator (set-up between chats)."""
    assert main(list(argv)) == 0


def welcome(language: str, country: str) -> list[Step]:
    return ["/start", Pick(label=language_name(language)), country]


def member_hour(language: str) -> list[Step]:
    code, city, _zone = LANGUAGES[language]
    country = country_name(code, language)
    return [
        *welcome(language, country), "/help", "/channels", "/join", f"/join {country}", "/associations",
        f"/associations {city}", "/events", Pick("Details"), Pick("Going"), "/rsvp 1", "/reminders", "/newevent",
        "/announce", f"/leave {country}", "/mydata",
    ]


def ambassador_hour(language: str) -> list[Step]:
    code, _city, zone = LANGUAGES[language]
    country = country_name(code, language)
    start = f"{datetime.now().year + 1}-06-10 18:30"
    return [
        *welcome(language, country), "/newevent", "Apéro des anciens", Pick("Skip"), Pick("Continue"), start,
        Pick(label="2h"), zone, f"https://meet.example.org/{language}", Pick("Skip"), Pick(label=country), "0",
        Pick("Cancel"), Pick("No, keep it"), Pick("Create the event"), "/events", "/announce", "Bienvenue à tous !",
        Pick(label=language_name("en", language)), ENGLISH_VERSION, Pick("Cancel"), Pick("No, keep them"), Pick("Preview"),
        Pick("Send"),
    ]


def administrator_hour(language: str) -> list[Step]:
    code, _city, _zone = LANGUAGES[language]
    country = country_name(code, language)
    return [
        *welcome(language, country), "/announce", Pick(label=country), "Réunion annuelle samedi.", Pick("Preview"),
        Pick("Schedule"), "demain", Pick("Send now"), Pick("Cancel"), Pick("Yes, throw them away"), "/events",
        "/newevent", "/cancel", "/channels", f"/editevent {EVENT_IDS[language]} place Café de Flore, Paris",
    ]


def member_comes_back(language: str) -> list[Step]:
    """The event they answered changed meanwhile: the notice is shown when they open the console."""
    return [Await("Event changed", "/events")]


def english_templates(language: str) -> list[re.Pattern[str]]:
    """Each catalog line that reads differently in ``language``, as a pattern of a whole English line."""
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        catalog = read_po(handle)
    patterns = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or said(language, message.id) == message.id:
            continue
        for line in message.id.split("\n"):
            literal = re.sub(r"\{[^}]*\}", "", line)
            if len(re.findall(r"[A-Za-z]{3,}", literal)) < 2:  # too short to tell English from a name
                continue
            parts = re.split(r"\{[^}]*\}", line)
            patterns.append(re.compile(".+?".join(re.escape(p) for p in parts)))
    return patterns


def screen_lines(transcript: str) -> list[str]:
    """What the member reads on each line: without the choice numbers, bullets, ticks and indentation."""
    lines = []
    for raw in transcript.splitlines():
        text = CHOICE.sub(lambda m: m.group(2), raw).strip().removeprefix("• ")
        if text:
            lines.append(text)
    return lines


def faults(transcript: str, errors: str, language: str, templates: list[re.Pattern[str]]) -> list[str]:
    found = [f"on stderr: {line}" for line in errors.splitlines()]
    found += [f"log line: {line}" for line in transcript.splitlines() if LOG_LINE.search(line)]
    found += [f"unbalanced isolates: {line!r}" for line in transcript.splitlines() if unbalanced_isolates(line)]
    for block in transcript.split("\n\n"):  # one reply each
        found += [f"shown twice: {url}" for url in repeated_urls(block)]
        if ENGLISH_VERSION in block:  # what English readers will get, previewed
            continue
        for line in screen_lines(block):
            if any(p.fullmatch(line) for p in templates):
                found.append(f"English in {language}: {line!r}")
    return found


def test_a_first_hour_for_a_member_an_ambassador_and_an_administrator_in_three_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ALUMNI_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("ALUMNI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'alumni.db'}")
    monkeypatch.setenv("ALUMNI_DATA_DIR", str(tmp_path / "data"))
    run_cli("db", "upgrade")
    run_cli("directory", "import", "--sample")
    problems: list[str] = []
    transcripts: list[str] = []
    for language, (code, _city, _zone) in LANGUAGES.items():
        run_cli("roles", "grant", "ambassador", "--country", code, "--platform", "console", "--user-id", f"amb-{language}")
        run_cli("roles", "grant", "administrator", "--platform", "console", "--user-id", f"admin-{language}")
        templates = english_templates(language)
        for user, hour in ((f"amb-{language}", ambassador_hour), (f"member-{language}", member_hour),
                           (f"admin-{language}", administrator_hour), (f"member-{language}", member_comes_back)):
            transcript, errors = chat(monkeypatch, user, language, hour(language))
            transcripts.append(f"===== {user}\n{transcript}")
            problems += [f"{user}: {fault}" for fault in faults(transcript, errors, language, templates)]
    assert not problems, "\n".join(problems) + "\n\n" + "\n".join(transcripts)


def test_the_transcript_checks_find_each_kind_of_fault() -> None:
    transcript = "\n".join([
        "WARNING core.commands.handlers.newevent: refused: member 1 may not create events",
        "Cancelled. Nothing was sent.",  # English on a French screen
        "Répondez ainsi : /rsvp 1 yes",
        "• Apéro\u2069",
        "  Site web : https://a.example.org",
        "  https://a.example.org",
    ])
    found = faults(transcript, "", "fr", english_templates("fr"))
    assert sorted(fault.split(":")[0] for fault in found) == ["English in fr", "log line", "shown twice", "unbalanced isolates"]

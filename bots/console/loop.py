"""The read-eval-print loop of ``alumni chat``.

Interactive (a terminal): a prompt, line editing, ``/start`` sent on entry, bold titles.
Piped: one line read at a time, each response printed, no prompt, no ANSI; exits at EOF.
"""
from __future__ import annotations

import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from bots.host import deliveries
from core.messages.types import Chat, Reply, Request, Sender
from core.config import Settings
from core.files import write_new
from core.i18n import _, use_language

from .render import Rendered, render
from .session import ConsoleSession, Handler, NoSuchChoice
from .transport import ConsoleTransport

CONSOLE_FILES = "console"  # the console's folder in the data directory


def default_user() -> str:
    for variable in ("USER", "USERNAME", "LOGNAME"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    try:
        return getpass.getuser() or "local"
    except Exception:
        return "local"


def default_locale() -> str | None:
    """The terminal's locale as a tag ("fr_FR.UTF-8" -> "fr-FR"); None for C/POSIX."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip()
        if value:
            tag = value.split(".")[0].split("@")[0].replace("_", "-")
            return None if tag.upper() in ("C", "POSIX") else tag
    return None


def files_directory(app: object | None = None) -> Path:
    """Where the console saves files for its member: ``console/`` in the data directory (ALUMNI_DATA_DIR).

    Never the working directory: under ``make run`` that is the checkout, and a member's data
    export must not end up in a repository."""
    settings = getattr(app, "settings", None) or Settings.from_env()
    return settings.data_directory() / CONSOLE_FILES


def save_file(filename: str, content: bytes, directory: Path) -> Path:
    """Write an attachment in ``directory`` (created private), never over an existing file nor outside it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return write_new(directory, filename, content)


class ConsoleLoop:
    def __init__(self, session: ConsoleSession, stdin: TextIO, stdout: TextIO, stderr: TextIO, interactive: bool,
                 files: Path) -> None:
        self.session = session
        self.files = files  # where attachments are saved
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.interactive = interactive
        self.failures = 0
        self.reading = False  # waiting at the prompt: a push must redraw it

    def print(self, line: str = "") -> None:
        self.stdout.write(line + "\n")
        self.stdout.flush()

    def show(self, rendered: Rendered) -> None:
        for line in rendered.lines:
            self.print(line)
        with use_language(self.session.language):
            for filename, content in rendered.files:
                try:
                    path = save_file(filename, content, self.files)
                except OSError as error:
                    self.print(_("Could not save {filename}: {reason}").format(filename=filename, reason=error.strerror))
                else:
                    self.print(_("(file saved: {path})").format(path=path))  # the full path: where to find it
        if rendered.lines or rendered.files:
            self.print()  # a blank line closes each response

    def push(self, reply: Reply) -> None:
        """A reminder or an announcement arrived: show it between prompts; its buttons become the choices."""
        rendered = render([reply], styled=self.session.styled)
        if self.reading and self.interactive:
            self.print()
        self.show(rendered)
        if rendered.choices:
            self.session.choices = rendered.choices
        if self.reading and self.interactive:
            self.stdout.write("> ")
            self.stdout.flush()

    async def read_line(self) -> str | None:
        self.reading = True
        try:
            if self.interactive:
                try:
                    return await asyncio.to_thread(input, "> ")
                except EOFError:
                    return None
            line = await asyncio.to_thread(self.stdin.readline)
            return line if line else None
        finally:
            self.reading = False

    async def step(self, request: Request, *, banner: bool = False) -> None:
        rendered = await self.session.send(request)
        error = self.session.error
        with use_language(self.session.language):  # the member's language, known from the core's answer
            if error is not None:  # the core failed on this line: the member is told, stderr has it in one line
                self.failures += 1
                detail = str(error).splitlines()[0] if str(error) else type(error).__name__
                self.stderr.write(f"alumni chat: {_('error')}: {detail}\n")
                self.stderr.flush()
            if banner:
                self.print(_("Console bot: /help lists the commands, a number picks a choice, Ctrl-D quits."))
        self.show(rendered)

    async def run(self) -> int:
        if self.interactive:  # the banner waits for /start's answer, which says the member's language
            await self.step(Request(sender=self.session.sender, chat=self.session.chat, command="start"), banner=True)
        while True:
            try:
                line = await self.read_line()
            except KeyboardInterrupt:
                line = None
            if line is None:
                if self.interactive:
                    self.print()
                return 1 if self.failures else 0
            parsed = self.session.parse(line.rstrip("\r\n"))
            if parsed is None:
                continue
            if isinstance(parsed, NoSuchChoice):
                with use_language(self.session.language):
                    self.print(
                        _("There is no choice {number}: pick 1 to {count}.").format(
                            number=parsed.number, count=parsed.count
                        )
                    )
                continue
            await self.step(parsed)


async def run_console(
    app: object | None = None,
    *,
    user: str | None = None,
    locale: str | None = None,
    handle: Handler | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    interactive: bool | None = None,
    deliver: bool = True,
    files: Path | None = None,
) -> int:
    """Talk to the core (``app.commands.handle``, or ``handle``) from a terminal or a pipe.

    With an ``app`` (and ``deliver``), the delivery engine runs meanwhile: pushes to this
    console user are printed between prompts, and the timed jobs (reminders, scheduled
    announcements) run in this process too. Attachments are saved in ``files`` (default: the
    ``console`` folder of the data directory, see ``files_directory``).
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if handle is None:
        handle = app.commands.handle  # type: ignore[union-attr]
    if interactive is None:
        interactive = stdin.isatty() and stdout.isatty()
    user_id = (user or default_user()).strip() or "local"
    sender = Sender(platform="console", user_id=user_id, display_name=user_id, locale=locale or default_locale())
    session = ConsoleSession(handle, sender, Chat(chat_id="console"), styled=interactive and stdout.isatty())
    loop = ConsoleLoop(session, stdin, stdout, stderr, interactive, files or files_directory(app))
    db = getattr(app, "db", None)
    if not deliver or db is None:
        return await loop.run()
    async with deliveries(db, [ConsoleTransport(user_id, loop.push)]):
        return await loop.run()

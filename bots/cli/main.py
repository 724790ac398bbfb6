"""``alumni``: the command line of an installation (argparse, one sub-command per task).

Rules every command follows: messages go through the catalogs (``_()``, language from
``$ALUMNI_LANG`` or ``$LANG``); an error is ONE line on stderr and a non-zero exit code,
never a traceback (``-vv`` logs it); secrets are never printed (database URLs are shown
with the password hidden).
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bots.lifecycle import error_word
from core import logs
from core.config import Settings
from core.i18n import _, language_from_locale
from core.i18n.region import use_locale

from . import announce, audit, channels, chat, db, directory, events, roles, run, status
from .errors import CliError, describe_exception
from .parser import Parser

log = logging.getLogger("alumni.cli")


def _locale_setting() -> str:
    for variable in ("ALUMNI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return ""


def cli_language() -> str | None:
    """The language of the command line's own messages: $ALUMNI_LANG, else $LANG, if supported."""
    value = _locale_setting()
    return language_from_locale(value) if value else None


def cli_country() -> str | None:
    """The country of the same setting ("en_GB.UTF-8" -> "GB"): dates and numbers are written its way."""
    tag = _locale_setting().split(".")[0].split("@")[0].replace("-", "_")
    try:
        return Locale.parse(tag).territory if tag else None
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def build_parser() -> Parser:
    """The whole ``alumni`` parser: each command group adds its own sub-parser."""
    parser = Parser(
        prog="alumni",
        description=_("Chat bots for a worldwide network of alumni associations: administration and console bot."),
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help=_("more log output on stderr (-vv: debug)"))
    groups = parser.add_subparsers(dest="group", metavar=_("COMMAND"), required=True)
    for group in (db, directory, chat, roles, channels, events, announce, status, audit, run):
        group.add_parser(groups)
    return parser


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is now (not the stream of the first call)."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001
        pass


CHAT_LOG = Path("logs") / "chat.log"  # in the data directory: where ``alumni chat`` logs without -v


def chat_log_file() -> Path | None:
    """The console's log file, created private (it names members) in a private folder;
    None (stderr, as for every command) when the data directory cannot be written."""
    path = Settings.from_env().data_directory() / CHAT_LOG
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
    except OSError:
        return None
    return path


def _configure_logging(verbosity: int, log_file: Path | None = None) -> tuple[logging.Handler, int, logging.Filter]:
    """Log to stderr (WARNING, -v INFO, -vv DEBUG), or to ``log_file`` when given, as text or JSON
    lines (``ALUMNI_LOG_FORMAT``), with secrets redacted on every handler of the root logger.
    Returns what ``_restore_logging`` undoes, so that calling ``main()`` in-process (tests) leaves
    logging as it found it."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    root = logging.getLogger()
    handler: logging.Handler = _StderrHandler() if log_file is None else logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logs.formatter_for(logs.log_format_from_env()))
    redacting = logs.RedactingFilter(logs.secrets_from_env())
    handler.setLevel(level)
    previous = root.level
    root.addHandler(handler)
    for each in root.handlers:  # every handler, also one installed before us (a test's capture)
        each.addFilter(redacting)
    root.setLevel(level)
    return handler, previous, redacting


def _restore_logging(state: tuple[logging.Handler, int, logging.Filter]) -> None:
    handler, previous, redacting = state
    root = logging.getLogger()
    root.removeHandler(handler)
    handler.close()
    for each in root.handlers:
        each.removeFilter(redacting)
    root.setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the installed script exits with it)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    with use_locale(cli_language(), cli_country()):
        parser = build_parser()
        try:
            args = parser.parse_args(args_list)
        except SystemExit as stop:  # --help, or a usage error already printed as one line
            return int(stop.code or 0) if not isinstance(stop.code, str) else 2
        # The console shares the member's screen: its logs go to a file unless -v asks for them.
        quiet_chat = args.group == "chat" and args.verbose <= 0
        logging_state = _configure_logging(args.verbose, chat_log_file() if quiet_chat else None)
        try:
            return int(args.handler(args) or 0)
        except CliError as error:
            print(f"alumni: {error_word()}: {error}", file=sys.stderr)
            return error.code
        except BrokenPipeError:  # `alumni directory export | head`: the reader left, nothing to say
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            return 0
        except KeyboardInterrupt:
            print(file=sys.stderr)
            return 130
        except Exception as error:  # anything else: one line, the traceback only with -vv
            log.debug("command failed", exc_info=True)
            print(f"alumni: {error_word()}: {describe_exception(error)}", file=sys.stderr)
            return 1
        finally:
            _restore_logging(logging_state)

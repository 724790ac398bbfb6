"""``alumni``: the command line of an installation (argparse, one sub-command per task).

Rules every command follows: messages go through the catalogs (``_()``, language from
``$ALUMNI_LANG`` or ``$LANG``); an error is ONE line on stderr and a non-zero exit code,
never a traceback (``-vv`` logs it); secrets are never printed (database URLs are shown
with the password hidden).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bots.lifecycle import error_word
from core import logs
from core.i18n import _, language_from_locale, use_language

from .errors import CliError, describe_exception

log = logging.getLogger("alumni.cli")

class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = _("see --help")
        self.exit(2, f"{self.prog}: {error_word()}: {message} ({hint})\n")


def cli_language() -> str | None:
    """The language of the command line's own messages: $ALUMNI_LANG, else $LANG, if supported."""
    for variable in ("ALUMNI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip()
        if value:
            return language_from_locale(value)
    return None


def build_parser() -> Parser:
    from . import bindings, channel_settings, commands  # the handlers; imported here so that --help stays fast

    parser = Parser(
        prog="alumni",
        description=_("Chat bots for a worldwide network of alumni associations: administration and console bot."),
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help=_("more log output on stderr (-vv: debug)"))
    groups = parser.add_subparsers(dest="group", metavar=_("COMMAND"), required=True)

    # ---------------------------------------------------------------- db
    db = groups.add_parser("db", help=_("database schema"), description=_("Database schema."))
    db_sub = db.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    upgrade = db_sub.add_parser(
        "upgrade",
        help=_("create or upgrade the schema, seed the channels"),
        description=_("Create or upgrade the database schema to the newest revision and seed the channels."),
    )
    upgrade.set_defaults(handler=commands.db_upgrade)

    # ---------------------------------------------------------------- directory
    directory = groups.add_parser(
        "directory", help=_("the directory of associations"), description=_("The directory of associations.")
    )
    dir_sub = directory.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    imp = dir_sub.add_parser(
        "import",
        help=_("import associations from a CSV or JSON file"),
        description=_(
            "Import associations from a CSV or JSON file (re-importing updates, never duplicates). "
            "'sample' or --sample imports the bundled sample directory."
        ),
    )
    imp.add_argument("file", nargs="?", metavar=_("FILE"), help=_("the CSV or JSON file, or 'sample'"))
    imp.add_argument("--sample", action="store_true", help=_("import the bundled sample directory"))
    imp.add_argument("--strict", action="store_true", help=_("import nothing when any row is rejected"))
    imp.set_defaults(handler=commands.directory_import)

    search = dir_sub.add_parser(
        "search",
        help=_("search the directory"),
        description=_("Search the directory by name, city or country, in any language."),
    )
    search.add_argument("query", nargs="+", metavar=_("QUERY"), help=_("words to search for"))
    search.add_argument("--lang", metavar="L", help=_("language of the output (en, fr, es, ar, pt, de)"))
    search.add_argument("--country", metavar="C", help=_("only this country (code or name)"))
    search.add_argument("--theme", metavar="T", help=_("only this thematic channel slug, e.g. health"))
    search.add_argument("--limit", type=int, default=10, help=_("at most this many results (default 10)"))
    search.set_defaults(handler=commands.directory_search)

    export = dir_sub.add_parser(
        "export", help=_("export the directory as CSV"), description=_("Export the directory as CSV (the import format).")
    )
    export.add_argument("-o", "--output", metavar=_("FILE"), help=_("write to this file instead of standard output"))
    export.set_defaults(handler=commands.directory_export)

    # ---------------------------------------------------------------- chat
    chat = groups.add_parser(
        "chat",
        help=_("talk to the bot in this terminal"),
        description=_(
            "The console bot: talk to the bot in this terminal as a local member. "
            "Lines starting with / are commands, a number picks a numbered choice, anything else is an answer. "
            "Reads piped standard input line by line."
        ),
    )
    chat.add_argument("--user", metavar=_("NAME"), help=_("your user id (default: $USER)"))
    chat.add_argument("--lang", metavar="L", help=_("your locale, e.g. fr or pt-BR (default: $LANG)"))
    chat.set_defaults(handler=commands.chat)

    # ---------------------------------------------------------------- roles
    roles = groups.add_parser(
        "roles", help=_("administrators and ambassadors"), description=_("Grant, revoke and list roles.")
    )
    roles_sub = roles.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    for name, helptext, handler in (
        ("grant", _("grant a role to a chat identity"), commands.roles_grant),
        ("revoke", _("revoke a role from a chat identity"), commands.roles_revoke),
    ):
        sub = roles_sub.add_parser(
            name,
            help=helptext,
            description=helptext[:1].upper()
            + helptext[1:]
            + ". "
            + _("The identity need not have talked to the bot yet."),
        )
        sub.add_argument("role", choices=("ambassador", "administrator"), help=_("ambassador or administrator"))
        sub.add_argument(
            "--country",
            metavar="CC",
            help=_("ISO 3166-1 alpha-2 code of the country represented (ambassadors), e.g. TN"),
        )
        sub.add_argument(
            "--platform",
            required=True,
            choices=("telegram", "discord", "slack", "console"),
            help=_("the platform of the identity"),
        )
        sub.add_argument("--user-id", required=True, metavar="ID", help=_("the user id on that platform"))
        sub.set_defaults(handler=handler)
    listing = roles_sub.add_parser("list", help=_("list the roles granted"), description=_("List the roles granted."))
    listing.add_argument("--role", choices=("ambassador", "administrator"), help=_("only this role"))
    listing.add_argument("--country", metavar="CC", help=_("only this country"))
    listing.set_defaults(handler=commands.roles_list)

    # ---------------------------------------------------------------- channels
    channels = groups.add_parser(
        "channels", help=_("country and thematic channels"), description=_("Country and thematic channels.")
    )
    ch_sub = channels.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    ch_list = ch_sub.add_parser(
        "list",
        help=_("list the channels"),
        description=_("List the channels with their member counts and bound chats."),
    )
    ch_list.add_argument("--kind", choices=("country", "theme"), help=_("only country or only thematic channels"))
    ch_list.add_argument("--all", action="store_true", help=_("also country channels nobody has joined"))
    ch_list.set_defaults(handler=commands.channels_list)
    ch_members = ch_sub.add_parser(
        "members", help=_("list the members of a channel"), description=_("List the members of a channel.")
    )
    ch_members.add_argument("slug", metavar="SLUG", help=_("the channel, e.g. tn or health"))
    ch_members.set_defaults(handler=commands.channels_members)
    bindings.add_parsers(ch_sub)
    channel_settings.add_parsers(ch_sub)

    # ---------------------------------------------------------------- events, announcements
    from . import announce, audit, events, run, status

    events.add_parser(groups, Parser)
    announce.add_parser(groups, Parser)
    status.add_parser(groups, Parser)
    audit.add_parser(groups, Parser)

    # ---------------------------------------------------------------- run
    run.add_parser(groups)
    return parser


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is now (not the stream of the first call)."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001
        pass


def _configure_logging(verbosity: int) -> tuple[logging.Handler, int, logging.Filter]:
    """Log to stderr (WARNING, -v INFO, -vv DEBUG), as text or JSON lines (``ALUMNI_LOG_FORMAT``),
    with secrets redacted on every handler of the root logger. Returns what ``_restore_logging``
    undoes, so that calling ``main()`` in-process (tests) leaves logging as it found it."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    root = logging.getLogger()
    handler = _StderrHandler()
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
    for each in root.handlers:
        each.removeFilter(redacting)
    root.setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the installed script exits with it)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    with use_language(cli_language()):
        parser = build_parser()
        try:
            args = parser.parse_args(args_list)
        except SystemExit as stop:  # --help, or a usage error already printed as one line
            return int(stop.code or 0) if not isinstance(stop.code, str) else 2
        logging_state = _configure_logging(args.verbose)
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

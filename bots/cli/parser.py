"""argparse in the command line's language: its help headings and its usage errors, one line each.

argparse writes its own texts in English through the standard gettext, which knows nothing of
``$ALUMNI_LANG``; so that a French administrator never reads half-French, half-English lines, the
headings are set here and argparse's error messages are recognised and said again from our catalogs.
"""
from __future__ import annotations

import argparse
import re
from typing import Any

from bots.lifecycle import error_word
from core.i18n import N_, _

# argparse's messages (Python 3.11 to 3.13), each with its wording in our catalogs (same English).
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^the following arguments are required: (?P<names>.+)$"),
     N_("the following arguments are required: {names}")),
    (re.compile(r"^unrecognized arguments: (?P<names>.+)$"), N_("unrecognized arguments: {names}")),
    (re.compile(r"^one of the arguments (?P<names>.+) is required$"), N_("one of the arguments {names} is required")),
    (re.compile(r"^ambiguous option: (?P<option>\S+) could match (?P<matches>.+)$"),
     N_("ambiguous option: {option} could match {matches}")),
    (re.compile(r"^invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)$"),
     N_("invalid choice: {value} (choose from {choices})")),
    (re.compile(r"^invalid int value: (?P<value>.+)$"), N_("not a whole number: {value}")),
    (re.compile(r"^invalid (?P<type>\S+) value: (?P<value>.+)$"), N_("invalid value: {value}")),
    (re.compile(r"^expected one argument$"), N_("expected one argument")),
    (re.compile(r"^expected at least one argument$"), N_("expected at least one argument")),
    (re.compile(r"^expected at most one argument$"), N_("expected at most one argument")),
    (re.compile(r"^not allowed with argument (?P<other>.+)$"), N_("not allowed with argument {other}")),
    (re.compile(r"^ignored explicit argument (?P<value>.+)$"), N_("ignored explicit argument {value}")),
)
_ABOUT_ARGUMENT = re.compile(r"^argument (?P<name>[^:]+): (?P<detail>.+)$")


def translate(message: str) -> str:
    """One of argparse's English messages in the reader's language; any other message as it is."""
    about = _ABOUT_ARGUMENT.match(message)
    if about:
        return _("argument {name}: {detail}").format(name=about["name"], detail=translate(about["detail"]))
    for pattern, wording in _MESSAGES:
        found = pattern.match(message)
        if found:
            return _(wording).format(**found.groupdict())
    return message


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with the usage heading in the reader's language."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks the command line's language and whose usage errors are one line,
    like every other error. Sub-parsers are made of the same class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=_("show this help message and exit")
            )

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = _("see --help")
        self.exit(2, f"{self.prog}: {error_word()}: {translate(message)} ({hint})\n")

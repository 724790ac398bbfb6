"""``alumni chat``: the console bot, a local member talking to the core in this terminal."""
from __future__ import annotations

import argparse

from bots.console import run_console
from core.app import App
from core.i18n import _

from .common import language_option, with_app


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``chat`` command to the ``alumni`` parser."""
    chat_parser = groups.add_parser(
        "chat",
        help=_("talk to the bot in this terminal"),
        description=_(
            "The console bot: talk to the bot in this terminal as a local member. "
            "Lines starting with / are commands, a number picks a numbered choice, anything else is an answer. "
            "Reads piped standard input line by line."
        ),
    )
    chat_parser.add_argument("--user", metavar=_("NAME"), help=_("your user id (default: $USER)"))
    chat_parser.add_argument("--lang", metavar="L", help=_("your locale, e.g. fr or pt-BR (default: $LANG)"))
    chat_parser.set_defaults(handler=chat)


def chat(args: argparse.Namespace) -> int:
    language_option(args.lang)  # an unsupported --lang is refused, not silently English

    async def work(app: App) -> int:
        return await run_console(app, user=args.user, locale=args.lang)

    return with_app(work)

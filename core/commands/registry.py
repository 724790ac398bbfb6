"""The command table: names fixed by SPEC.md, descriptions from the catalogs."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.commands.context import Context

Handler = Callable[[Context, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str  # a catalog msgid, translated when shown
    handler: Handler
    usage: str = ""  # catalog msgid for the argument part, e.g. "<channel>"
    listed: bool = True  # shown in help and platform menus
    # A multi-step flow: free text sent while its conversation runs comes back to this
    # handler (``ctx.answering`` is then true, and the text is the args).
    conversational: bool = False


_COMMANDS: dict[str, CommandSpec] = {}
# The order of SPEC.md, which help and the platform menus follow.
SPEC_ORDER = (
    "start", "help", "language", "country", "timezone", "associations", "channels", "join", "leave",
    "events", "event", "rsvp", "reminders", "newevent", "announce", "link", "mydata", "forget", "cancel",
)


def command(
    name: str, description: str, usage: str = "", listed: bool = True, conversational: bool = False
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = CommandSpec(name, description, handler, usage, listed, conversational)
        return handler

    return register


def commands() -> dict[str, CommandSpec]:
    from core.commands import handlers  # noqa: F401 - registers every command

    if list(_COMMANDS) != sorted(_COMMANDS, key=_position):
        ordered = sorted(_COMMANDS.items(), key=lambda item: _position(item[0]))
        _COMMANDS.clear()
        _COMMANDS.update(ordered)
    return _COMMANDS


def _position(name: str) -> int:
    return SPEC_ORDER.index(name) if name in SPEC_ORDER else len(SPEC_ORDER)

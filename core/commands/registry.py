"""The command table: names fixed by SPEC.md, descriptions and parameters from each command's specification.

Commands register with ``@command`` when their module is imported; the ``core.commands.handlers``
package imports every one of them, and the command service imports that package, so the table is
complete wherever the service is.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.commands.context import Context
from core.commands.parameters import Param, usage

Handler = Callable[[Context, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str  # a catalog msgid, translated when shown
    handler: Handler
    params: tuple[Param, ...] = ()  # what the argument string holds, in order
    listed: bool = True  # shown in help and platform menus
    # A multi-step flow: free text sent while its conversation runs comes back to this
    # handler (``ctx.answering`` is then true, and the text is the args).
    conversational: bool = False
    # Answers a request that allows forms (``Request.forms``) with a form asking everything at
    # once: platforms with dialogs (Slack's modals) open one for this command.
    form: bool = False

    @property
    def usage(self) -> str:
        """The argument part for help, in the current language ("<channel>"); "" without parameters."""
        return usage(self.params)


_COMMANDS: dict[str, CommandSpec] = {}
# The order of SPEC.md, which help and the platform menus follow.
SPEC_ORDER = (
    "start", "help", "language", "country", "timezone", "associations", "channels", "join", "leave",
    "events", "event", "rsvp", "reminders", "newevent", "announce", "link", "mydata", "forget", "cancel",
)


def command(
    name: str, description: str, params: tuple[Param, ...] = (), listed: bool = True, conversational: bool = False,
    form: bool = False,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = CommandSpec(name, description, handler, params, listed, conversational, form)
        if list(_COMMANDS) != sorted(_COMMANDS, key=_position):
            ordered = sorted(_COMMANDS.items(), key=lambda item: _position(item[0]))
            _COMMANDS.clear()
            _COMMANDS.update(ordered)
        return handler

    return register


def commands() -> dict[str, CommandSpec]:
    """Every registered command, in SPEC.md's order (the others after)."""
    return _COMMANDS


def _position(name: str) -> int:
    return SPEC_ORDER.index(name) if name in SPEC_ORDER else len(SPEC_ORDER)

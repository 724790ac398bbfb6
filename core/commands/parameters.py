"""Typed command parameters: what a command takes, said once in its specification.

The core reads one argument string per command; the parameters say what goes in it, in order.
Adapters derive their own forms from them (Discord's typed slash options with choices and
autocomplete, Slack's modals where they ask for arguments), and ``help`` shows them, so a
parameter added to a command appears everywhere at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.i18n import N_, _


class ParamType(Enum):
    TEXT = "text"  # free text, checked by the command
    CHOICE = "choice"  # one of the parameter's fixed choices
    # A role of the chat platform, given by the adapter with the binding rather than in the
    # argument string; platforms without roles leave it out.
    ROLE = "role"


class Suggest(Enum):
    """Kinds of value the core can suggest while someone types (``CommandService.suggest``)."""

    LANGUAGE = "language"
    COUNTRY = "country"
    TIMEZONE = "timezone"
    ASSOCIATION = "association"
    CHANNEL = "channel"  # every channel: the topics, then countries matching what is typed
    MY_CHANNEL = "my_channel"  # the channels the person joined (else every channel)
    EVENT = "event"  # upcoming events, the person's own first
    REMINDERS = "reminders"  # common reminder offsets


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # English, lowercase: Discord's option name (localized through its slash words)
    description: str  # catalog msgid: one line shown next to the parameter
    placeholder: str = ""  # catalog msgid shown in help, e.g. "number"; "" for a choice: its values
    required: bool = False
    type: ParamType = ParamType.TEXT
    choices: tuple[tuple[str, str], ...] = ()  # (value, label msgid); the values are what the core reads
    suggest: Suggest | None = None

    @property
    def in_args(self) -> bool:
        """True when the value goes into the command's argument string."""
        return self.type is not ParamType.ROLE


def usage(params: tuple[Param, ...]) -> str:
    """The argument part of a command for help, in the current language: "<number> <yes/maybe/no>"."""
    parts = []
    for param in params:
        if not param.in_args:
            continue
        shown = _(param.placeholder) if param.placeholder else "/".join(value for value, _label in param.choices)
        parts.append(f"<{shown}>" if param.required else f"[{shown}]")
    return " ".join(parts)


# ---------------------------------------------------------------- parameters shared by commands

_CHANNEL = N_("A country or a topic, in any language")
_EVENT = N_("An upcoming event: type its name or number")
ANSWERS = (("yes", N_("Going")), ("maybe", N_("Maybe")), ("no", N_("Not going")))

CHANNEL = Param("channel", _CHANNEL, N_("channel"), required=True, suggest=Suggest.CHANNEL)
ANY_CHANNEL = Param("channel", _CHANNEL, N_("channel"), suggest=Suggest.CHANNEL)  # optional
MY_CHANNEL = Param("channel", _CHANNEL, N_("channel"), required=True, suggest=Suggest.MY_CHANNEL)
EVENT = Param("event", _EVENT, N_("number"), required=True, suggest=Suggest.EVENT)
ANSWER = Param("answer", N_("Your answer"), required=True, type=ParamType.CHOICE, choices=ANSWERS)
NUMBER = Param("number", N_("A number"), N_("number"), required=True)
ROLE = Param("role", N_("The role that members of the channel get"), type=ParamType.ROLE)

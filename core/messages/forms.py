"""Forms: a multi-step flow asked all at once, for platforms with dialogs (Slack modals).

A handler that sees ``Request.forms`` may answer with a ``Reply`` carrying a ``Form`` instead
of asking one question per message. The adapter shows it natively; on submit it sends a
``Request`` with ``command``/``args`` from the form and ``form_values`` ({field id: text}).
The handler validates each field with the same functions its chat flow uses and answers
with ``Reply.form_errors`` ({field id: message}: nothing changed, the dialog stays open),
another ``Form`` (a next page, such as a preview), or ordinary replies (the dialog closes).

Everything here is plain text, like the rest of the command layer: adapters escape it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"  # one line
    MULTILINE = "multiline"
    SELECT = "select"  # one of ``choices``
    DATETIME = "datetime"  # a date and time typed in the core's format (the hint says which)
    NUMBER = "number"  # a whole number typed as text


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    id: str  # the key of ``form_values`` and ``form_errors``
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    choices: tuple[Choice, ...] = ()
    initial: str | None = None
    hint: str | None = None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """One page of a dialog. ``command``/``args``: what its submission runs; ``notes``: paragraphs
    shown above the fields (a preview); a form without fields is a confirmation."""

    id: str
    title: str
    submit_label: str
    command: str
    args: str = ""
    fields: tuple[FormField, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class FieldErrors:
    """Collects one message per field while a submission is validated."""

    errors: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.errors.setdefault(field_id, message)

    def __bool__(self) -> bool:
        return bool(self.errors)


def value_of(values: dict[str, str] | None, field_id: str) -> str:
    """A submitted value, stripped ("" when absent)."""
    return str((values or {}).get(field_id) or "").strip()

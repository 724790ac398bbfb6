"""The one error type of the events domain, translated where it is shown."""
from __future__ import annotations

from core.i18n import _
from core.text import echo


class EventError(ValueError):
    """Invalid input or a refused action. ``message`` is an English catalog msgid and
    ``params`` its arguments: show it with ``error.translated()`` in the reader's language."""

    def __init__(self, message: str, **params: object) -> None:
        params = {key: echo(value) for key, value in params.items()}  # what was typed, quoted back: short and clean
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params

    def translated(self) -> str:
        return _(self.message).format(**self.params) if self.params else _(self.message)

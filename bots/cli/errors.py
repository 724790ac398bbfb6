"""Errors of the command line: each becomes one translated line on stderr."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from core.db.engine import DatabaseUrlError
from core.i18n import _
from core.logs import secrets_from_env
from core.redaction import redact


class CliError(Exception):
    """A failure the user can fix; ``str()`` is the (already translated) message."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _scrub(text: str) -> str:
    """Never echo a secret (the database password in any form, a token), whatever a driver put in its message."""
    return redact(text, secrets_from_env())


def describe_exception(error: BaseException) -> str:
    """One readable line for an unexpected failure (database down, schema missing, file unreadable...)."""
    if isinstance(error, DatabaseUrlError):
        return _scrub(str(error))
    if isinstance(error, DBAPIError):
        detail = _first_line(str(error.orig)) if error.orig is not None else _first_line(str(error))
        lowered = detail.lower()
        if isinstance(error, (OperationalError, ProgrammingError)) and (
            "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered)
        ):
            return _("the database has no schema yet: run 'alumni db upgrade'")
        if isinstance(error, OperationalError):
            return _scrub(_("cannot use the database: {detail}").format(detail=detail))
        return _scrub(_("database error: {detail}").format(detail=detail))
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return _scrub(f"{error.strerror or _first_line(str(error))}{where}")
    detail = _first_line(str(error))
    return _scrub(f"{type(error).__name__}: {detail}" if detail else type(error).__name__)

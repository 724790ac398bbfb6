"""Log records as operators need them: text or one JSON object per line, with secrets removed.

Two pieces, installed on every handler by the CLI (``bots/cli/main.py``):

- ``JsonFormatter``: ``{"time", "level", "logger", "message", ...extra fields, "exception"}`` on one
  line (a traceback is one escaped string), for log collectors (``ALUMNI_LOG_FORMAT=json``).
- ``RedactingFilter``: a record's final text (message with its arguments, exception, stack, extra
  fields) is scrubbed of bot tokens, Slack tokens, signing secrets and database passwords (in every
  form, ``core.redaction``) before any handler formats it. Libraries log URLs with the Telegram token
  in them (httpx: ``HTTP Request: POST https://api.telegram.org/bot123:ABC.../sendMessage``); known
  secret values are replaced wherever they appear, and secret shapes even when the value is unknown.

Message bodies: our own log calls never carry them (ids and counts only). Libraries print request
bodies only in their DEBUG output, so DEBUG records of loggers that are not ours are dropped, and
``'text': '...'``-like fields of dumped payloads are blanked as a second line of defence.
"""
from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from core.config import _ENV_NAMES, _SECRET_FIELDS
from core.redaction import REDACTED, redact, url_passwords

__all__ = ["REDACTED", "JsonFormatter", "RedactingFilter", "formatter_for", "log_format_from_env", "redact",
           "secrets_from_env"]

OUR_LOGGERS = ("core", "bots", "alumni", "__main__")
MIN_SECRET_LENGTH = 6  # shorter values would blank ordinary words

# Text fields of payloads a library dumped ({'text': 'hello'}, "content": "..."): the body goes.
_BODY_FIELDS = re.compile(
    r"""(?P<key>['"](?:text|content|message|blocks|description|title)['"]\s*:\s*)"""
    r"""(?P<quote>['"])(?:\\.|(?!(?P=quote)).)*(?P=quote)""",
    re.DOTALL,
)

# Attributes every LogRecord has: anything else was passed as ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def _ours(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in OUR_LOGGERS)


class RedactingFilter(logging.Filter):
    """Scrubs each record in place (message, arguments, exception, stack, extras); drops library
    DEBUG records, which dump request bodies. Put it on every handler: handler filters also see
    records propagated from other loggers, logger filters would not."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def scrub(self, text: str, *, library: bool) -> str:
        text = redact(text, self.secrets)
        if library:
            text = _BODY_FIELDS.sub(lambda m: m.group("key") + m.group("quote") + REDACTED + m.group("quote"), text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        library = not _ours(record.name)
        if library and record.levelno < logging.INFO:
            return False
        if getattr(record, "_alumni_redacted", False):  # several handlers: once is enough
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: the handler reports it as usual
            return True
        record.msg, record.args = self.scrub(message, library=library), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text, library=library)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info, library=library)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.scrub(value, library=library))
        record._alumni_redacted = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO-8601, UTC), level, logger, message, extra fields,
    and ``exception``/``stack`` as single strings (newlines escaped by JSON)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def secrets_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> list[str]:
    """The secret values this process holds (tokens, signing secret, database password in every form)."""
    env = os.environ if environ is None else environ
    values = [env.get(_ENV_NAMES.get(name, name.upper()), "").strip() for name in _SECRET_FIELDS]
    values += url_passwords(env.get("ALUMNI_DATABASE_URL", "").strip())
    return [v for v in values if v]


def log_format_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """``ALUMNI_LOG_FORMAT`` as Settings reads it; an invalid value logs as text (the command
    reports the setting error itself)."""
    env = os.environ if environ is None else environ
    return "json" if env.get("ALUMNI_LOG_FORMAT", "").strip().lower() == "json" else "text"

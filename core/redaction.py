"""Secrets out of everything we print or log: database passwords in every form, and token shapes.

A database password can reach an output in many shapes: ``user:pass@host``, ``?password=`` or
``&password=`` in the query (psycopg and libpq accept it), a libpq ``key=value`` string
(``host=db password=...``), percent-encoded (``p%40ss`` for ``p@ss``), or echoed by a driver in an
error. So there are three functions, used by every output and by the log filter:

- ``redact_url``: the URL as shown to operators (``alumni db upgrade``, ``alumni status``), with
  every password replaced by ``***`` and everything else kept;
- ``url_passwords``: every form of the passwords a URL carries (decoded and as written), the
  values to remove from any text (errors, log lines) wherever they appear;
- ``redact``: a text without those values and without anything shaped like a secret (password
  parameters, bot tokens), even when the value is not known.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, unquote_plus

from sqlalchemy.engine import make_url

MASK = "***"  # in a displayed URL, as SQLAlchemy shows a hidden password
REDACTED = "[redacted]"  # in free text and logs
MIN_SECRET_LENGTH = 4  # a known value shorter than this would blank ordinary letters; its shapes are still found

# Names of connection parameters that hold a secret (password, sslpassword, passwd, pwd...).
_SECRET_KEY = re.compile(r"pass(?:word|wd)?|pwd|secret", re.IGNORECASE)
# user:password@ in a URL; the password runs to the last @ before the host (an unencoded @ in it included).
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^:/@\s?#]*:)(?P<secret>[^\s/?#]*)@(?=[^@\s/?#]*(?:[/?#\s]|$))")
# key=value, in a URL query (?password=, &password=), a libpq string or a log line; also percent-encoded.
_KEY_VALUE = re.compile(
    r"(?P<head>(?:(?<=%3F)|(?<=%26)|(?<![A-Za-z0-9_]))(?:[A-Za-z_]{0,24}(?:password|passwd|pwd)|pass)\s*(?:=|%3D)\s*)"
    r"(?P<secret>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|(?:[^\s&;#'\"%]|%(?!26|3B|23)[0-9A-Fa-f]{2})+)",
    re.IGNORECASE,
)
# 'password': '...' / "password": "..." in a dumped mapping.
_MAPPING = re.compile(r"""(?P<head>['"](?:[A-Za-z_]{0,24}(?:password|passwd|pwd)|pass)['"]\s*:\s*)(?P<quote>['"])(?:\\.|(?!(?P=quote)).)*(?P=quote)""",
                      re.IGNORECASE)

_TOKEN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram: "bot<digits>:<token>" in Bot API URLs, and a bare "<digits>:<35 chars>" token
    (re.compile(r"bot\d+:[A-Za-z0-9_-]+"), "bot" + REDACTED),
    (re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    # Slack: bot, user, app-level, refresh and configuration tokens
    (re.compile(r"\bx(?:ox[abposrec]|app)-[A-Za-z0-9-]+"), REDACTED),
    # Discord: base64(user id).timestamp.hmac
    (re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"), REDACTED),
    # "Authorization: Bot ...", "Bearer ..."
    (re.compile(r"\b(Bot|Bearer)\s+[A-Za-z0-9._-]{20,}"), r"\1 " + REDACTED),
)


def _unquoted(value: str) -> str:
    """A libpq value without its single quotes and backslash escapes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def url_passwords(url: str) -> list[str]:
    """Every password the URL (or libpq string) carries, as written and decoded, longest first."""
    found: set[str] = set()
    for match in _USERINFO.finditer(url):
        found.add(match.group("secret"))
    for match in _KEY_VALUE.finditer(url):
        found.add(_unquoted(match.group("secret")))
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads: the patterns above are all we have
        parsed = None
    if parsed is not None:
        if parsed.password:
            found.add(str(parsed.password))
        for key, value in parsed.query.items():
            if _SECRET_KEY.search(key):
                found.update([value] if isinstance(value, str) else value)
    forms = {form for value in found for form in (value, unquote(value), unquote_plus(value)) if form}
    return sorted(forms, key=len, reverse=True)


def redact_url(url: str) -> str:
    """The database URL for display: every password replaced by ``***``, the rest as given."""
    shown = _USERINFO.sub(lambda m: m.group("head") + MASK + "@", url)
    shown = _KEY_VALUE.sub(lambda m: m.group("head") + MASK, shown)
    # A secret under a name the patterns do not know (?pass%77ord=, ?secret=): found by parsing.
    return redact(shown, url_passwords(url), mask=MASK)


def redact(text: str, secrets: Iterable[str] = (), *, mask: str = REDACTED) -> str:
    """``text`` without the given secret values and without anything shaped like a secret."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, mask)
    text = _USERINFO.sub(lambda m: m.group("head") + mask + "@", text)
    text = _KEY_VALUE.sub(lambda m: m.group("head") + mask, text)
    text = _MAPPING.sub(lambda m: m.group("head") + m.group("quote") + mask + m.group("quote"), text)
    for pattern, replacement in _TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text

"""Hostile text for the property tests: fixed nasties and a hypothesis strategy around them.

Shared by the command and rendering tests, and counted (``TRIED``) so the test run can
say how many inputs it threw at the bot.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from functools import lru_cache

from hypothesis import strategies as st

from locales import DOMAIN, LOCALES_DIR

FIXED = (
    "x" * 10_000,
    "é" * 10_000,
    "\x00",
    "abc\x00def",
    "\x07\x1b[31mred\x1b[0m\r\n\t\x0b\x0c",
    "\u202eevil\u202c",
    "\u202a\u202b\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
    "\u200b\u200c\u200d\ufeff\u2060",
    "'; DROP TABLE members; --",
    "\" OR 1=1 --",
    "%",
    "_",
    "\\",
    "%_\\'\"",
    "99999999999999999999999999999",
    "-1",
    "-9223372036854775809",
    "0",
    "1e308",
    "NaN",
    "#999999999",
    "#-1",
    "#0",
    "🇫🇷🎉👨\u200d👩\u200d👧",
    "Tunisé تونس 東京 Москва ☃",
    "Mars/Olympus",
    "Etc/GMT+99",
    "2027-02-30 25:61",
    "9999-99-99",
    "0000-00-00 00:00",
    "31/31/3131",
    "../../etc/passwd",
    "<b>x</b> & <i>",
    "@everyone @here <@123> <@&456> <#789>",
    "<!channel> <!here> <!everyone> <@U123> <#C123> <https://evil.example|click>",
    "*bold* _it_ ~s~ `code` ```block``` [a](https://evil.example) ||spoiler||",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "\U0010ffff\ue000",
)

# Characters a generated string is made of: a little of everything dangerous, plus letters.
_ALPHABET = st.one_of(
    st.sampled_from(list("'\";%_\\<>&@#!*`~|[]()/:-0123456789 \n\t\x00\x1b\u202e\u2066\u200b\ufeff\u0301")),
    st.characters(codec="utf-8"),
)
HOSTILE = st.one_of(
    st.sampled_from(FIXED),
    st.text(_ALPHABET, max_size=300),
    st.lists(st.sampled_from(FIXED), min_size=2, max_size=4).map(" ".join),
)

TRIED: Counter[str] = Counter()
# The same examples on every run, so that CI is never red by chance; set ALUMNI_HYPOTHESIS_EXPLORE=1
# to draw new ones (hypothesis prints how to replay any failure it finds).
DERANDOMIZE = os.environ.get("ALUMNI_HYPOTHESIS_EXPLORE") != "1"


def count(kind: str) -> None:
    TRIED[kind] += 1


# ---------------------------------------------------------------- "is it from the catalogs?"

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@lru_cache(maxsize=None)
def english_markers(language: str) -> tuple[str, ...]:
    """Pieces of English source texts that the ``language`` catalog translates differently.

    A reply to a reader of ``language`` that contains one of them was not translated (a
    text outside ``_()``, or an English fallback). Pieces are long enough (four words) not
    to occur by chance in a translation or in the user's own input.
    """
    from babel.messages.pofile import read_po

    with (LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    markers: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated = " ".join(s for s in strings if s)
        for source in ids:
            for piece in _PLACEHOLDER.split(source):
                piece = piece.strip(" .,:;!?()“”\"'\n")
                if len(piece.split()) >= 4 and piece not in translated:
                    markers.add(piece)
    return tuple(sorted(markers))


def untranslated(text: str, language: str) -> list[str]:
    return [marker for marker in english_markers(language) if marker in text]

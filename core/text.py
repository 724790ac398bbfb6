"""Text folding and cleaning shared by search, matching and input validation."""
from __future__ import annotations

import re
import unicodedata

# Arabic letters that people type interchangeably; folding them lets "اسكندرية" find "الإسكندرية".
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ـ": None})
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

# Characters that reorder or hide text: a name or message must never carry them through.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
FSI, PDI = "\u2068", "\u2069"


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used for matching ("São-Paulo" -> "sao paulo")."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_ARABIC_FOLD)
    return _NON_WORD.sub(" ", text).strip()


def clean_line(text: str, max_length: int) -> str:
    """User input reduced to one safe line: no control or bidi characters, spaces collapsed, bounded."""
    kept = []
    for ch in text:
        if ch in BIDI_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200c\u200d":
            kept.append(" " if ch in "\t\n\r\x0b\x0c" else "")
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())[:max_length]


def isolate(value: str) -> str:
    """Wrap a value in Unicode isolates so that Latin names stay readable inside Arabic sentences."""
    return f"{FSI}{value}{PDI}"


def echo(value: object, limit: int = 80) -> object:
    """A value quoted back in a message (an error about what someone typed): one clean line,
    cut at ``limit`` characters. Non-text values pass unchanged."""
    if not isinstance(value, str):
        return value
    line = clean_line(value, limit + 1)
    return line if len(line) <= limit else line[: limit - 1] + "…"

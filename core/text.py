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
_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")


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
    """Wrap a value in Unicode isolates so that Latin names stay readable inside Arabic sentences.
    The value's own bidi controls are dropped: a closer in it would end the isolate early and
    leave ours stray."""
    return f"{FSI}{''.join(ch for ch in value if ch not in BIDI_CONTROLS)}{PDI}"


def echo(value: object, limit: int = 80) -> object:
    """A value quoted back in a message (an error about what someone typed): one clean line,
    cut at ``limit`` characters. Non-text values pass unchanged."""
    if not isinstance(value, str):
        return value
    line = clean_line(value, limit + 1)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _open_isolates(text: str) -> int:
    depth = 0
    for ch in text:
        if ch in _ISOLATE_OPENERS:
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
    return depth


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when cut. An isolate the cut
    falls inside is closed (within the limit), so a clipped title never leaves its direction
    open nor loses the closer that matched an opener kept."""
    if len(text) <= limit:
        return text
    end = max(limit - 1, 0)
    while True:
        cut = text[:end].rstrip()
        depth = _open_isolates(cut)
        if len(cut) + 1 + depth <= limit or end == 0:
            return cut + "…" + PDI * depth
        end -= 1

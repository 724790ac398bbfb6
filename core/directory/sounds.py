"""A rough sound key for Latin-script words, so that spellings of one name meet.

Transliterations differ by more letters than a typo ("Sfaks" and "Sfax", "Beyrouth" and
"Beirut", "Kiev" and "Kyiv", "Katmandou" and "Kathmandu"), yet they sound alike. The key
writes what is heard, not how: x is ks, a soft c is s, a hard c, ck and qu are k, ch is sh,
ph is f, a silent h goes, doubled letters and vowel runs shrink to one. It is deliberately
coarse; the index keys only the words of place names long enough to carry a typo budget.
"""
from __future__ import annotations

import re

_DIGRAPHS = (("sch", "sh"), ("ch", "sh"), ("ph", "f"), ("ck", "k"), ("qu", "k"), ("ce", "se"), ("ci", "si"), ("cy", "si"), ("ou", "u"))
_LETTERS = str.maketrans({"x": "ks", "c": "k", "q": "k", "z": "s", "w": "v", "y": "i"})
_DOUBLES = re.compile(r"(.)\1+")
_VOWEL_RUNS = re.compile(r"([aeiou])[aeiou]+")
_LATIN = re.compile(r"[a-z]+")
MIN_KEY = 3


def sound_key(word: str) -> str | None:
    """The key of a folded word, or None for a word not in plain Latin letters or too short to key."""
    if not _LATIN.fullmatch(word):
        return None
    for written, heard in _DIGRAPHS:
        word = word.replace(written, heard)
    word = word.translate(_LETTERS).replace("sh", "\0").replace("h", "").replace("\0", "sh")
    key = _VOWEL_RUNS.sub(r"\1", _DOUBLES.sub(r"\1", word))
    return key if len(key) >= MIN_KEY else None

"""Fill catalog entries from translation files written by hand.

Usage: python scripts/fill_catalogs.py [--replace] translations.json [...]   (after scripts/update_catalogs.py)

Each file maps a source text (the msgid; for plurals the singular msgid) to its
translations: {"Cancelled.": {"fr": "Annulé.", ...}}; a plural entry gives a list with
one form per plural form of the language (Arabic: six, in CLDR order: zero, one, two,
few, many, other). A text with a message context (pgettext) is keyed "context\u0004msgid",
gettext's own separator: {"button\u0004Start": {"fr": "Commencer"}}.
Only empty or fuzzy entries are filled, so a translation already reviewed in a catalog is
never overwritten by accident; ``--replace`` writes the files' texts over existing ones
(a file of corrections, e.g. typography or plural forms fixed after review).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
CONTEXT_SEPARATOR = "\x04"


def load(paths: list[str]) -> dict[str, dict[str, object]]:
    merged: dict[str, dict[str, object]] = {}
    for path in paths:
        for msgid, translations in json.loads(Path(path).read_text(encoding="utf-8")).items():
            merged.setdefault(msgid, {}).update(translations)
    return merged


def key_of(msgid: str | tuple[str, ...], context: str | None) -> str:
    singular = msgid if isinstance(msgid, str) else msgid[0]
    return f"{context}{CONTEXT_SEPARATOR}{singular}" if context else singular


def fill(language: str, translations: dict[str, dict[str, object]], replace: bool = False) -> int:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        value = translations.get(key_of(message.id, message.context), {}).get(language)
        if value is None:
            continue
        empty = not any(message.string) if isinstance(message.string, tuple) else not message.string
        if not empty and "fuzzy" not in message.flags and not replace:
            continue
        message.string = tuple(value) if isinstance(value, list) else value  # type: ignore[assignment]
        message.flags.discard("fuzzy")
        filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)
    return filled


def main(argv: list[str]) -> int:
    replace = "--replace" in argv
    translations = load([arg for arg in argv if arg != "--replace"])
    for language in sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir() and p.name != "en"):
        print(f"{language}: {fill(language, translations, replace)} filled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Fill catalog entries from translation files written by hand.

Usage: python scripts/fill_catalogs.py translations.json [...]   (after scripts/update_catalogs.py)

Each file maps a source text (the msgid; for plurals the singular msgid) to its
translations: {"Cancelled.": {"fr": "Annulé.", ...}}; a plural entry gives a list with
one form per plural form of the language (Arabic: six). Only empty or fuzzy entries are
filled, so a translation already reviewed in a catalog is never overwritten.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"


def load(paths: list[str]) -> dict[str, dict[str, object]]:
    merged: dict[str, dict[str, object]] = {}
    for path in paths:
        for msgid, translations in json.loads(Path(path).read_text(encoding="utf-8")).items():
            merged.setdefault(msgid, {}).update(translations)
    return merged


def fill(language: str, translations: dict[str, dict[str, object]]) -> int:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        value = translations.get(key, {}).get(language)
        if value is None:
            continue
        empty = not any(message.string) if isinstance(message.string, tuple) else not message.string
        if not empty and "fuzzy" not in message.flags:
            continue
        message.string = tuple(value) if isinstance(value, list) else value  # type: ignore[assignment]
        message.flags.discard("fuzzy")
        filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)
    return filled


def main(argv: list[str]) -> int:
    translations = load(argv)
    languages = (p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir() and p.name != "en")  # not pending/
    for language in sorted(languages):
        print(f"{language}: {fill(language, translations)} filled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Extract the texts, merge them into every catalog, and fill the English one.

Usage: python scripts/update_catalogs.py   (then translate the empty entries of each .po)
English is the source language: its catalog simply repeats the source texts, so
that every language, English included, is checked the same way by the tests.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def main() -> None:
    subprocess.run(
        [*PYBABEL, "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "pgettext:1c,2", "-k", "npgettext:1c,2,3", "--no-location", "--sort-output",
         "--project=alumni-bots", "-o", str(POT), "."],
        cwd=ROOT, check=True,
    )
    subprocess.run(
        [*PYBABEL, "-q", "update", "-i", str(POT), "-d", str(LOCALES), "-D", "messages", "--no-fuzzy-matching",
         "--ignore-obsolete"],
        cwd=ROOT, check=True,
    )
    english = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
            message.flags.discard("fuzzy")
    with english.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)


if __name__ == "__main__":
    main()

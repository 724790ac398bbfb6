"""Give French texts their no-break spaces: U+00A0 before : ; ? ! and inside « ».

Usage: python scripts/fix_typography.py [translations.json ...]
Rewrites the French catalog (and the "fr" texts of the JSON files given, the format of
scripts/fill_catalogs.py) and prints how many texts changed. A mark only counts when it
ends a clause (a space, the end, a closing mark follows), so "18:30", "https://" and
"!skip" stay as they are. tests/test_catalog_quality.py checks the same rule.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
FRENCH = ROOT / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
NBSP = "\u00a0"
SPACES = "[ \u00a0\u202f]?"
CLAUSE_END = r"(?=\s|$|[»)\]*_”\"'.,])"


def french(text: str) -> str:
    text = re.sub(r"(?<=\S)" + SPACES + r"([:;?!])" + CLAUSE_END, lambda match: NBSP + match.group(1), text)
    text = re.sub("«" + SPACES, "«" + NBSP, text)
    return re.sub(SPACES + "»", NBSP + "»", text)


def fixed(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...] | list[str]:
    if isinstance(value, str):
        return french(value)
    return type(value)(french(form) for form in value)


def fix_catalog(path: Path = FRENCH) -> int:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    changed = 0
    for message in catalog:
        if message.id and message.string and fixed(message.string) != message.string:
            message.string = fixed(message.string)  # type: ignore[assignment]
            changed += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)
    return changed


def fix_json(path: Path) -> int:
    entries = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for translations in entries.values():
        if "fr" in translations and fixed(translations["fr"]) != translations["fr"]:
            translations["fr"] = fixed(translations["fr"])
            changed += 1
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    print(f"{FRENCH.relative_to(ROOT)}: {fix_catalog()} changed")
    for name in argv:
        print(f"{name}: {fix_json(Path(name))} changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Every catalog holds every message, none fuzzy, every plural form, every placeholder."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import SUPPORTED_LANGUAGES, _, ngettext, use_language
from locales import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("core", "bots"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def fields(text: str) -> set[str]:
    names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    return names | set(re.findall(r"%\((\w+)\)[sd]", text))


@pytest.fixture(scope="module")
def sources() -> set[str]:
    return source_messages()


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_complete(language: str, sources: set[str]) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    ids = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(sources - set(ids))
    assert not missing, f"{language}: {len(missing)} messages missing, e.g. {missing[:3]}"
    problems = []
    for key, message in ids.items():
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {key!r}")
            continue
        if isinstance(message.id, tuple):
            if len(strings) != catalog.num_plurals:
                problems.append(f"plural forms {len(strings)} != {catalog.num_plurals}: {key!r}")
            expected = fields(message.id[1])
            for form in strings:  # a singular form may spell the number out ("one", "two")
                if not fields(form) <= expected | {"count", "num"} or not (expected - {"count", "num"}) <= fields(form):
                    problems.append(f"placeholders in plural form {form!r} of {key!r}")
        elif fields(strings[0]) != fields(message.id):
            problems.append(f"placeholders {fields(strings[0])} != {fields(message.id)} in {key!r}")
    assert not problems, f"{language}: " + "; ".join(problems[:10])


def test_arabic_has_six_plural_forms() -> None:
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        assert read_po(handle, locale="ar").num_plurals == 6


def test_translations_are_used() -> None:
    with use_language("fr"):
        assert _("Hello!") != "Hello!"
    with use_language("ar"):
        forms = {ngettext("{country}: {count} association.", "{country}: {count} associations.", n) for n in (0, 1, 2, 5, 11, 100)}
        assert len(forms) >= 4  # Arabic distinguishes zero, one, two, few, many

"""The supported languages and how people name them ("fr", "français", "French", "中文").

A language is supported when its catalog is present: ``locales/<code>/LC_MESSAGES/messages.po``,
where ``<code>`` is a CLDR locale code ("fr", "zh_Hans", "pt_BR"). Nothing else lists them,
so adding a language is adding its catalog.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global, parse_locale

from core.text import fold
from locales import DOMAIN, LOCALES_DIR

DEFAULT_LANGUAGE = "en"

_directory: list[Path] = [LOCALES_DIR]


def catalog_directory() -> Path:
    """Where the catalogs are read from (the shipped ``locales/`` unless a test points elsewhere)."""
    return _directory[0]


@contextmanager
def use_catalog_directory(path: Path) -> Iterator[Path]:
    """Read the catalogs from another directory for a while: how a test adds a language."""
    _directory.insert(0, Path(path))
    try:
        yield _directory[0]
    finally:
        _directory.pop(0)


@lru_cache(maxsize=8)
def _present(directory: Path) -> tuple[str, ...]:
    found = sorted(p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(found, key=lambda code: code != DEFAULT_LANGUAGE))


def supported_languages() -> tuple[str, ...]:
    """The codes of the catalogs present, the default language first."""
    return _present(catalog_directory())


class _Supported(Sequence[str]):
    """``SUPPORTED_LANGUAGES``: a live view of the catalogs present, usable as a tuple."""

    def __getitem__(self, index):  # type: ignore[override]
        return supported_languages()[index]

    def __len__(self) -> int:
        return len(supported_languages())

    def __iter__(self) -> Iterator[str]:
        return iter(supported_languages())

    def __contains__(self, code: object) -> bool:
        return code in supported_languages()

    def __repr__(self) -> str:
        return repr(supported_languages())


SUPPORTED_LANGUAGES: Sequence[str] = _Supported()


@lru_cache(maxsize=64)
def is_rtl(language: str) -> bool:
    """Whether a language is written right to left, from CLDR (Arabic, Hebrew, Persian, Urdu …)."""
    try:
        return Locale.parse(language).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError, TypeError):
        return False


# A capitalised common noun that CLDR's standalone names start with, lowercase inside a sentence.
_SENTENCE_LOWERCASE_PREFIX = {"vi": "Tiếng "}


def language_name(code: str, in_language: str | None = None, *, in_sentence: bool = False) -> str:
    """The name of a language, in another language or (default) in itself.

    Standalone (a button, a list) it starts with a capital: "Français". Inside a sentence
    it keeps CLDR's casing, which follows each language's rule: "je vous parlerai français",
    "hablaré español", but "ich spreche Deutsch". Vietnamese is the exception CLDR does not
    carry: its names are the standalone "Tiếng Pháp", a sentence says "nói tiếng Pháp".
    """
    reader = in_language or code
    locale = Locale.parse(reader)
    name = locale.languages.get(code) or locale.languages.get(code.split("_")[0]) or code
    if in_sentence:
        prefix = _SENTENCE_LOWERCASE_PREFIX.get(reader.split("_")[0])
        return prefix.lower() + name[len(prefix):] if prefix and name.startswith(prefix) else name
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class _Tag:
    """A BCP 47 / CLDR tag with its likely script filled in ("zh-TW" -> zh, Hant, TW)."""

    language: str
    script: str | None
    territory: str | None


def _tag(text: str) -> _Tag | None:
    parts = text.strip().replace("-", "_").split("_")
    try:
        language, territory, script, _variant = parse_locale("_".join(parts[:3]))
    except ValueError:
        try:
            language, territory, script, _variant = parse_locale(parts[0])
        except ValueError:
            return None
    if script is None:
        likely = get_global("likely_subtags")
        full = likely.get(f"{language}_{territory}") if territory else None
        full = full or likely.get(language)
        if full:
            script = parse_locale(full)[2]
    return _Tag(language, script, territory)


def _best(tag: _Tag, codes: Sequence[str]) -> str | None:
    """The catalog that reads a tag: same language and script, same region preferred."""
    ranked: list[tuple[int, str]] = []
    for code in codes:
        own = _tag(code)
        if own is None or own.language != tag.language or own.script != tag.script:
            continue
        rank = 0 if own.territory == tag.territory else 1 if own.territory is None else 2
        ranked.append((rank, code))
    return min(ranked)[1] if ranked else None


@lru_cache(maxsize=8)
def _names(codes: tuple[str, ...]) -> dict[str, str]:
    """Every way a person may type a supported language: its code, and its CLDR names in
    every supported language and in itself, for the exact code and its bare language."""
    names: dict[str, str] = {}
    for code in codes:
        names[fold(code)] = code
    for code in codes:
        base = code.split("_")[0]
        bare = _tag(base)
        owner = bare is not None and _best(bare, codes) == code
        for reader in codes:
            languages = Locale.parse(reader).languages
            for key in (code, base) if owner else (code,):
                if languages.get(key):
                    names.setdefault(fold(languages[key]), code)
    return names


def match_language(text: str) -> str | None:
    """A supported language code from a code, a locale tag or a name in any supported language."""
    folded = fold(text)
    if not folded:
        return None
    found = _names(supported_languages()).get(folded)
    if found:
        return found
    return language_from_locale(text.strip())


def language_from_locale(tag: str | None) -> str | None:
    """The supported language of a platform locale ("pt-BR" -> pt, "zh-TW" -> zh_Hant), if any."""
    if not tag:
        return None
    return _from_locale(tag, supported_languages())


@lru_cache(maxsize=1024)
def _from_locale(tag: str, codes: tuple[str, ...]) -> str | None:
    parsed = _tag(tag)
    return None if parsed is None else _best(parsed, codes)

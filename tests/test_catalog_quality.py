"""What a native reader would catch in the catalogs: plural forms, one text with two meanings, punctuation.

What these tests check:
- plurals: each catalog's ``Plural-Forms`` rule, as gettext runs it, picks for every number 0–200 (and
  1,000 … 1,000,000) the form of that number's CLDR category (Babel's plural rules), forms in CLDR order;
  every plural entry is rendered through ``ngettext`` at one number of each category and must give that
  form; a form that serves several numbers shows the number; Arabic forms follow the grammar of the
  numeral (3–10 a plural noun unlike 100's, 11–99 the accusative singular with its tanween, 100–102 the
  genitive singular without it).
- contexts: a short text (two words or fewer) called from places of different kinds (a button, a field
  label, a heading …) carries a message context, so that each place gets its own translation.
- typography: French spaces (U+00A0 before ":" and inside « », U+202F before ";" "?" "!"), in the whole
  catalog and on rendered card lines; Arabic punctuation (، ؛ ؟, never the Latin ones); no Spain-only
  Spanish (vosotros forms and words a Latin American reader would not use).

What they cannot check: whether a noun is the right word, or its gender agreement; zero forms (free
wording); CLDR's "many" of French, Spanish and Portuguese (a million and more: "1 000 000 de places"),
which two gettext forms cannot express and which shares the "other" form; decimals (no count here has
one); the kind of a place in the code is read from the call around the text (Button, FormField, title=…),
so a text passed through a variable is classified where the variable is built.
"""
from __future__ import annotations

import ast
import re
import runpy
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bots.console.render import render_reply
from bots.discord.render import reply_lines as discord_lines
from bots.telegram.render import render
from core.i18n import SUPPORTED_LANGUAGES, _, ngettext, npgettext, pgettext, use_language
from core.i18n.catalogs import translations
from core.i18n.formatting import labelled
from core.messages.types import Card, Field, Link, Reply
from locales import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[1]
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
SMALL = range(0, 201)
LARGE = (1000, 10_000, 100_000, 1_000_000, 2_000_000)


@lru_cache(maxsize=None)
def catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def strings(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return message.string if isinstance(message.string, tuple) else (message.string,)


# ---------------------------------------------------------------- plurals


@lru_cache(maxsize=None)
def categories(language: str) -> tuple[str, ...]:
    """The CLDR categories whole numbers up to 200 fall in, in CLDR order: one gettext form each."""
    rule = Locale.parse(language).plural_form
    found = {rule(n) for n in SMALL}
    return tuple(tag for tag in CLDR_ORDER if tag in found)


def expected_form(language: str, n: int) -> int:
    """The form index for ``n``; a category met only past 200 (a million's "many") shares the last form."""
    tag, shown = Locale.parse(language).plural_form(n), categories(language)
    return shown.index(tag) if tag in shown else len(shown) - 1


def representatives(language: str) -> dict[str, int]:
    """One number per CLDR category: the first whole number that falls in it."""
    rule, found = Locale.parse(language).plural_form, {}
    for n in (*SMALL, *LARGE):
        found.setdefault(rule(n), n)
    return found


def numbers_per_form(language: str) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for n in SMALL:
        counts[expected_form(language, n)] += 1
    return counts


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_plural_rule_follows_cldr(language: str) -> None:
    assert catalog(language).num_plurals == len(categories(language))
    rule = translations(language).plural  # type: ignore[attr-defined]
    wrong = [(n, rule(n), expected_form(language, n)) for n in (*SMALL, *LARGE) if rule(n) != expected_form(language, n)]
    assert not wrong, f"{language}: (number, form given, form expected) {wrong[:5]}"


TANWEEN = "\u064b"  # fathatan: "مكانًا", the accusative of a numeral from 11 to 99


def arabic_faults(forms: tuple[str, ...]) -> list[str]:
    """The grammar of Arabic numerals, on forms in CLDR order (zero, one, two, few, many, other)."""
    _zero, _one, _two, few, many, other = forms
    faults = []
    if many != other and many.count(TANWEEN) <= other.count(TANWEEN):
        faults.append("11–99 needs the accusative singular (tanween), 100–102 the bare singular")
    if not few == many == other and few in (many, other):
        faults.append("3–10 needs the plural noun, unlike 11–99 and 100–102")
    return faults


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_plural_entry_at_every_category(language: str) -> None:
    faults = []
    shared = numbers_per_form(language)
    for message in catalog(language):
        if not isinstance(message.id, tuple):
            continue
        singular, plural = message.id[0], message.id[1]
        forms = strings(message)
        for tag, n in representatives(language).items():
            index = expected_form(language, n)
            with use_language(language):
                shown = (npgettext(message.context, singular, plural, n) if message.context
                         else ngettext(singular, plural, n))
            if shown != forms[index]:
                faults.append(f"{singular!r} at {n} ({tag}): {shown!r}, expected form {index}")
            if "{count}" in plural and shared[index] > 1 and "{count}" not in forms[index]:
                faults.append(f"{singular!r}: form {index} ({tag}) serves several numbers but does not show {{count}}")
        if language == "ar":
            faults.extend(f"{singular!r}: {fault}" for fault in arabic_faults(forms))
    assert not faults, f"{language}: " + "\n".join(faults)


# ---------------------------------------------------------------- one short text, two meanings

GETTEXT = {"_", "N_", "gettext"}
# (function, argument position or keyword) -> kind of place the text is shown in
PLACES: dict[tuple[str, int | str], str] = {
    ("Button", 0): "button", ("Button", "label"): "button", ("button", 0): "button", ("_button", 1): "button",
    ("Form", 1): "heading", ("Form", 2): "button", ("form_view", 1): "heading", ("form_view", 2): "button",
    ("FormField", 1): "field label", ("FormField", "label"): "field label", ("Field", 0): "field label",
    ("Field", "label"): "field label", ("labelled", 0): "field label", ("Param", 2): "parameter name",
}
KEYWORDS = {"title": "heading", "choices": "button", "placeholder": "placeholder", "metavar": "parameter name",
            "hint": "text", "help": "text"}
TRANSLATED = re.compile(r"\b(?:_|N_|gettext|pgettext|npgettext)\(\s*[\"']")
PASS_THROUGH = {"format", "join", "append", "tuple", "list", "str"}


def kind_of(node: ast.AST, ancestors: list[ast.AST]) -> str:
    """The kind of place a translated text lands in, from the code around the call (nearest ancestor last)."""
    child = node
    for index in range(len(ancestors) - 1, -1, -1):
        parent = ancestors[index]
        if isinstance(parent, ast.keyword) and index > 0:
            name = call_name(ancestors[index - 1])  # type: ignore[arg-type]
            return PLACES.get((name, str(parent.arg)), KEYWORDS.get(str(parent.arg), "text"))
        if isinstance(parent, ast.Call) and child is not parent.func:
            name = call_name(parent)
            position = parent.args.index(child) if child in parent.args else -1  # type: ignore[arg-type]
            if (name, position) in PLACES:
                return PLACES[(name, position)]
            if name not in PASS_THROUGH:
                return "text"
        if isinstance(parent, ast.Assign):
            targets = " ".join(ast.unparse(target) for target in parent.targets)
            return "field label" if "label" in targets.lower() else "text"
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return "field label" if "label" in parent.name else "text"
        child = parent
    return "text"


def call_name(call: ast.AST) -> str:
    func = call.func if isinstance(call, ast.Call) else None
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


@dataclass
class Calls:
    """The translation calls of the code: short context-free texts by kind of place, and the contexts used."""

    short: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    contexts: set[tuple[str, str]] = field(default_factory=set)

    def scan(self, tree: ast.AST, where: str) -> None:
        ancestors: list[ast.AST] = []

        def visit(node: ast.AST) -> None:
            if isinstance(node, ast.Call) and node.args and all(isinstance(a, ast.Constant) for a in node.args[:2]):
                name, first = call_name(node), node.args[0].value  # type: ignore[attr-defined]
                if name in GETTEXT and isinstance(first, str) and len(first.split()) <= 2:
                    self.short[first][kind_of(node, ancestors)].append(f"{where}:{node.lineno}")
                elif name in ("pgettext", "npgettext") and len(node.args) > 1:
                    self.contexts.add((first, node.args[1].value))  # type: ignore[attr-defined]
            ancestors.append(node)
            for child in ast.iter_child_nodes(node):
                visit(child)
            ancestors.pop()

        visit(tree)


@lru_cache(maxsize=1)
def translating_modules() -> tuple[tuple[str, ast.AST], ...]:
    """(path, syntax tree) of the modules that translate a literal: the others cannot matter here."""
    found = []
    for path in sorted([*ROOT.glob("core/**/*.py"), *ROOT.glob("bots/**/*.py")]):
        source = path.read_text(encoding="utf-8")
        if TRANSLATED.search(source):
            found.append((path.relative_to(ROOT).as_posix(), ast.parse(source)))
    return tuple(found)


@lru_cache(maxsize=1)
def calls() -> Calls:
    found = Calls()
    for where, tree in translating_modules():
        found.scan(tree, where)
    return found


def test_a_short_text_shown_in_two_kinds_of_place_has_a_context() -> None:
    mixed = {text: dict(kinds) for text, kinds in calls().short.items() if len(kinds) > 1}
    assert not mixed, "give these pgettext contexts: " + "; ".join(f"{t!r} {k}" for t, k in sorted(mixed.items()))


def test_kinds_of_place_are_read_from_the_code() -> None:
    """The classifier itself, on the cases the rule depends on."""
    source = ("Button(label=_('Go'))\nbutton(_('Go'), 'x')\nFormField('f', _('Go'))\nreply(t, title=_('Go'))\n"
              "labels = (_('Go'),)\nreply(_('Go'))\nreply(_('Go {x}').format(x=1))\n")
    found = Calls()
    found.scan(ast.parse(source), "example")
    kinds = {kind: len(places) for kind, places in found.short["Go"].items()}
    assert kinds == {"button": 2, "field label": 2, "heading": 1, "text": 1}


def test_contexts_are_in_every_catalog() -> None:
    """The catalogs are extracted by scripts/update_catalogs.py: a context in the code is a context there."""
    wanted = calls().contexts
    assert ("button", "Start") in wanted
    for language in SUPPORTED_LANGUAGES:
        have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog(language) if m.context and all(strings(m))}
        assert wanted <= have, f"{language}: missing {sorted(wanted - have)[:5]}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_start_button_is_the_word_the_welcome_names(language: str) -> None:
    with use_language(language):
        button = pgettext("button", "Start")
        assert button in _("Welcome! Press Start to choose your language and country.")


# ---------------------------------------------------------------- typography

NBSP, NNBSP = "\u00a0", "\u202f"
FRENCH_SPACE = {":": NBSP, ";": NBSP, "?": NBSP, "!": NBSP}
# A punctuation mark ends a clause when followed by a space, the end, a closing mark or markup.
CLAUSE_END = r"(?=\s|$|[»)\]*_”\"'.,])"


def french_faults(text: str) -> list[str]:
    faults = []
    for match in re.finditer(r"([:;?!])" + CLAUSE_END, text):
        start = match.start()
        if start == 0 or text[start - 1] != FRENCH_SPACE[match.group(1)]:
            if not (match.group(1) == ":" and text[start - 1 : start] == ":"):
                faults.append(f"{text[max(0, start - 12): start + 2]!r} needs {FRENCH_SPACE[match.group(1)]!r} before")
    if re.search("[“”\"]", text):
        faults.append(f"{text[:40]!r}: French quotes are « »")
    for match in re.finditer("«", text):
        if text[match.end() : match.end() + 1] != NBSP:
            faults.append(f"{text[match.start(): match.start() + 12]!r} needs U+00A0 after «")
    for match in re.finditer("»", text):
        if text[match.start() - 1 : match.start()] != NBSP:
            faults.append(f"{text[max(0, match.start() - 12): match.end()]!r} needs U+00A0 before »")
    return faults


def test_french_rule_sees_the_faults() -> None:
    assert french_faults("Pays : France") and french_faults("Français: x") and french_faults("« x »")
    assert french_faults("Vraiment ?") and french_faults("le pays “x”") and not french_faults(f"Pays{NBSP}: France, 18:30, https://x.org/?a=1 !skip")
    assert not french_faults(f"«{NBSP}x{NBSP}»{NBSP}?") and french_faults(f"x{NNBSP}?")


def test_french_fixer_follows_the_rule() -> None:
    """scripts/fix_typography.py, which gives texts from other files their spaces, writes what the rule wants."""
    french = runpy.run_path(str(ROOT / "scripts" / "fix_typography.py"))["french"]
    text = french("Pays : France, « x » ; vraiment ? https://a.org/?b=1 à 18:30, !skip")
    assert text == f"Pays{NBSP}: France, «{NBSP}x{NBSP}»{NBSP}; vraiment{NBSP}? https://a.org/?b=1 à 18:30, !skip"
    assert not french_faults(text)


def test_french_catalog_spacing() -> None:
    faults = [f"{fault} in {message.id!r}" for message in catalog("fr") if message.id
              for text in strings(message) for fault in french_faults(text)]
    assert not faults, f"{len(faults)} faults:\n" + "\n".join(faults)


def test_french_card_lines() -> None:
    """The label/value line every card shows, through the console and Telegram renderers; Discord's link lines."""
    with use_language("fr"):
        line = labelled("Lieu", "Paris")
        reply = Reply("x", cards=[Card("Forum", fields=(Field("Lieu", "Paris"),))], language="fr")
        linked = Reply("x", links=[Link("Site", "https://example.org")], language="fr")
        shown = [line, *render_reply(reply).lines, render(reply)[0].html, *discord_lines(linked)]
    assert f"Lieu{NBSP}: Paris" == line
    for text in shown:
        assert not french_faults(text), text


ARABIC_LATIN = re.compile(r"[,;?](?=\s|$)")


def test_arabic_punctuation() -> None:
    faults = [text for message in catalog("ar") if message.id for text in strings(message) if ARABIC_LATIN.search(text)]
    assert not faults, "use ، ؛ ؟ in: " + "\n".join(faults)


def joined_into_a_translation(tree: ast.AST) -> list[int]:
    """Lines where a list joined with a Latin ", " or "; " fills a translated text: an Arabic reply gets Latin commas."""
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
                and isinstance(node.func.value, ast.Call) and call_name(node.func.value) in GETTEXT):
            for value in [keyword.value for keyword in node.keywords] + list(node.args):
                if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "join"
                        and isinstance(value.func.value, ast.Constant) and value.func.value.value in (", ", "; ")):
                    lines.append(node.lineno)
    return lines


def test_lists_in_texts_are_joined_in_the_readers_language() -> None:
    """format_list gives "أ، ب وج" and "a, b et c"; the command line (codes to type, in English) is left out."""
    found = [f"{where}:{line}" for where, tree in translating_modules() if not where.startswith("bots/cli/")
             for line in joined_into_a_translation(tree)]
    assert not found, "use core.i18n.formatting.format_list at " + ", ".join(found)


SPAIN_ONLY = re.compile(
    r"\b(vosotr[oa]s|vuestr[oa]s?|os|\w+áis|\w+éis|ordenador|móvil|fichero|coger|vale|guay|apuntaos|pinchad?|puls[ae])\b",
    re.IGNORECASE,
)


def test_spanish_reads_naturally_in_latin_america() -> None:
    faults = [text for message in catalog("es") if message.id for text in strings(message) if SPAIN_ONLY.search(text)]
    assert not faults, "\n".join(faults)


def test_no_title_is_numbered_outside_the_catalog() -> None:
    """"Gala (#12)" is typography (Chinese writes （#12）): it goes through ``numbered``, never an f-string."""
    built = [f"{path.relative_to(ROOT)}:{number}"
             for folder in ("core", "bots") for path in sorted((ROOT / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"""f["'][^"']*\(#\{""", line)]
    assert built == []

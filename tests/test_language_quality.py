"""Language quality a native reader checks: inserted names, one term per concept, language names, durations."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from core.commands.handlers.directory import association_card
from core.db.engine import Database
from core.db.models import Delivery, Rsvp
from core.db.types import utcnow
from core.directory.search import SearchHit
from core.events.reminders import describe_offsets, render_reminder
from core.i18n import SUPPORTED_LANGUAGES, _, ngettext, use_language
from core.i18n.formatting import format_relative
from core.i18n.languages import language_name
from core.i18n.sentences import join_sentences
from locales import LOCALES_DIR
from core.commands.service import CommandService
from tests.announce_helpers import person
from tests.chat import Person
from tests.events_helpers import make_event, member_with

# Placeholders that receive a name (country, channel, language, city, chat, duration): the text around them
# must not need an article, a contraction or a case the inserted name cannot carry ("dans Allemagne",
# "em Alemanha", "in Vereinigte Staaten", "بـالعربية", "لـالمغرب", "بمدة ساعتان").
# Not checked: {slug} and {zone} (codes such as "tn", "Europe/Paris", never declined), {platform} (Telegram, Discord,
# Slack: fixed proper names), quoted titles and queries (the quotation marks stand between the word and the name).
NAMES = (
    "country", "countries", "channel", "channels", "language", "languages", "duration", "delay", "city", "chat",
    "sender", "who",
)

GLOSSARY = json.loads((LOCALES_DIR / "glossary.json").read_text(encoding="utf-8"))

# Per language (locales/glossary.json, "grammar"): the words that need agreement with what follows them, where
# they stand, and the documented exceptions: (language, word, placeholder) -> why the pair is always grammatical.
GRAMMAR: dict[str, dict] = GLOSSARY["grammar"]  # type: ignore[type-arg]
AGREEING: dict[str, str] = {language: row["agreeing"] for language, row in GRAMMAR.items()}
EXCEPTIONS: dict[tuple[str, str, str], str] = {
    (language, *pair.replace("{", "").replace("}", "").rsplit(" ", 1)): why  # type: ignore[misc]
    for language, row in GRAMMAR.items() for pair, why in row.get("exceptions", {}).items()
}


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _texts(message) -> list[str]:  # type: ignore[no-untyped-def]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [text for text in strings if text]


def _pattern(language: str) -> re.Pattern[str]:
    names = "|".join(NAMES)
    assert language in GRAMMAR, f"{language}: add its row to locales/glossary.json's 'grammar' (agreeing words)"
    position = GRAMMAR[language].get("position", "before")
    if position == "after":  # the suffix follows the name: group 1 is the suffix (found by look-ahead), group 2 the name
        return re.compile(r"\{(?=(?:" + names + r")\}(" + AGREEING[language] + r"))(" + names + r")\}")
    if position == "joined":  # prepositions may be written joined to the name: بـ{language}
        return re.compile(r"(?:(?<=[\s(«“])|^)(" + AGREEING[language] + r")\s*[«“]?\{(" + names + r")\}")
    return re.compile(r"\b(" + AGREEING[language] + r")\s+[«“]?\{(" + names + r")\}", re.IGNORECASE)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_inserted_name_after_a_word_that_needs_agreement(language: str) -> None:
    pattern, found = _pattern(language), []
    for message in _catalog(language):
        if not message.id:
            continue
        for text in _texts(message):
            for hit in pattern.finditer(text):
                word, name = hit.group(1).lower(), hit.group(2)
                if (language, word, name) not in EXCEPTIONS:
                    found.append(f"{hit.group(0)!r} in {text[:70]!r}")
    assert not found, f"{language}: {len(found)} inserted names after an agreeing word:\n" + "\n".join(found)


def test_the_check_catches_the_known_faults() -> None:
    assert _pattern("fr").search("Aucun événement dans {channel}.")
    assert _pattern("pt").search("Associações em {country}")
    assert _pattern("de").search("Sie wohnen in {country}.")
    assert _pattern("ar").search("سأتحدث معك بـ{language}.")
    assert _pattern("ar").search("قبلها بمدة {duration}")
    assert not _pattern("fr").search("Associations – {country}")
    assert _pattern("ru").search("Ассоциации в {country}")
    assert not _pattern("ru").search("Ассоциации – {country}")
    assert _pattern("tr").search("{country}'da yaşıyorsunuz.") and _pattern("tr").search("{language}ca")
    assert not _pattern("tr").search("Dernekler – {country}") and not _pattern("tr").search("{channel} kanalına")


# ---------------------------------------------------------------- one term per concept



def test_glossary_names_a_term_in_every_language() -> None:
    for concept, entry in GLOSSARY["concepts"].items():
        assert set(entry["terms"]) >= set(SUPPORTED_LANGUAGES) - {"en"}, concept


def _about(entry: dict[str, object], source: str) -> bool:
    wanted, excluded = entry.get("source"), entry.get("exclude")
    return (wanted is None or re.search(str(wanted), source) is not None) and not (
        excluded is not None and re.search(str(excluded), source)
    )


@pytest.mark.parametrize("language", [code for code in SUPPORTED_LANGUAGES if code != "en"])
def test_catalog_uses_one_term_per_concept(language: str) -> None:
    found = []
    for message in _catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for concept, entry in GLOSSARY["concepts"].items():
            if not _about(entry, source):
                continue
            for variant in entry.get("forbidden", {}).get(language, []):
                for text in _texts(message):
                    if re.search(variant, re.sub(r"\{\w*\}", "", text), re.IGNORECASE):  # placeholders are not words
                        found.append(f"{concept}: {variant!r} in {text[:70]!r}")
    assert not found, f"{language}: not the glossary's term:\n" + "\n".join(found)


def test_the_glossary_catches_the_known_faults() -> None:
    forbidden = GLOSSARY["concepts"]["bind"]["forbidden"]
    assert re.search(forbidden["de"][0], "Dieser Chat ist mit dem Kanal verknüpft.", re.IGNORECASE)
    assert re.search(GLOSSARY["concepts"]["bot"]["forbidden"]["ar"][0], "التحدث إلى الروبوت")
    assert not re.search(GLOSSARY["concepts"]["administrator"]["forbidden"]["ar"][0], "الشخص المسؤول عن التواصل")


# ---------------------------------------------------------------- names of languages


def _hit(languages: tuple[str, ...]) -> SearchHit:
    return SearchHit(1, "Alumni Berlin", "DE", "Berlin", "", "", languages, (), "", 0, 100.0)


@pytest.mark.parametrize(
    ("reader", "expected"),
    [("fr", "allemand et français"), ("ar", "الألمانية والفرنسية"), ("de", "Deutsch und Französisch"), ("en", "German and French")],
)
def test_association_card_names_languages_in_the_readers_language(reader: str, expected: str) -> None:
    with use_language(reader):
        card = association_card(_hit(("de", "fr")))
    assert card.fields[0].value.lower() == expected.lower()


def test_association_card_names_three_letter_codes_too() -> None:
    with use_language("fr"):
        assert association_card(_hit(("kab", "zz"))).fields[0].value == "kabyle et zz"  # unknown codes stay as given


async def test_announcement_version_buttons_name_languages_in_the_readers_language(db: Database) -> None:
    async with db.transaction() as session:
        await person(session, "console", "amb", language="fr", role="ambassador", country="TN")
    ambassador = Person(CommandService(db), user_id="amb")
    await ambassador.send("/announce")
    await ambassador.send("Bonjour à tous !")
    labels = {b.label for b in ambassador.buttons() if b.action.startswith("announce +")}
    french = {"en": "Anglais", "es": "Espagnol", "ar": "Arabe", "pt": "Portugais", "de": "Allemand", "it": "Italien",
              "ru": "Russe", "zh_Hans": "Chinois simplifié", "vi": "Vietnamien", "tr": "Turc"}
    assert {french[code] for code in SUPPORTED_LANGUAGES if code in french} <= labels
    assert len(labels) == len(SUPPORTED_LANGUAGES) - 1  # every version but the French one being written


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("language", "minutes", "expected"),
    [
        ("fr", 59, "dans 1 heure"), ("en", 59, "in 1 hour"), ("de", 2 * 1440 - 30, "in 2 Tagen"),
        ("es", 25, "dentro de 25 minutos"), ("pt", 1439, "em 1 dia"), ("ar", 118, "خلال ساعتين"),
        ("zh_Hans", 59, "1小时后"),
        ("ru", 59, "через 1 час"), ("ru", 3 * 1440 - 30, "через 3 дня"), ("ru", 5, "через 5 минут"),
        ("vi", 59, "sau 1 giờ nữa"),
    ],
)
def test_relative_durations_are_said_as_people_say_them(language: str, minutes: int, expected: str) -> None:
    with use_language(language):
        assert format_relative(timedelta(minutes=minutes)) == expected


async def test_a_reminder_one_hour_before_says_one_hour(db: Database) -> None:
    """The event starts in 59 minutes and some seconds: readers are told "in 1 hour", in their own language's case."""
    start = (utcnow() + timedelta(hours=1)).astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None, second=0, microsecond=0)
    event_id = await make_event(db, start)
    for language, expected in (("fr", "commence dans 1 heure"), ("de", "beginnt in 1 Stunde")):
        member_id = await member_with(db, f"reader-{language}", language=language, zone="Europe/Paris")
        async with db.transaction() as session:
            session.add(Rsvp(event_id=event_id, member_id=member_id, answer="yes"))
        async with db.transaction() as session:
            delivery = Delivery(payload={"render": "reminder", "event_id": event_id, "member_id": member_id, "offset": 60},
                                event_id=event_id, member_id=member_id)
            reply = await render_reminder(session, delivery)
        assert reply is not None and expected in reply.text, reply.text if reply else None


def test_reminder_settings_in_arabic_need_no_case_after_a_preposition() -> None:
    with use_language("ar"):
        text = describe_offsets([120])
    assert "بمدة" not in text and "ساعتان" in text


def test_arabic_answer_counts_read_as_a_label_not_nobody_maybe() -> None:
    with use_language("ar"):
        texts = [ngettext("{count} maybe", "{count} maybe", n).format(count=n) for n in (0, 1, 2, 3, 11, 100)]
    assert "لا أحد ربما" not in texts and all(text.startswith("ربما: ") for text in texts), texts


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Reminder: “Gala” starts in 1 hour."), ("fr", "Rappel\u00a0: «\u00a0Gala\u00a0» commence dans 1 heure."),
        ("es", "Recordatorio: «Gala» empieza dentro de 1 hora."), ("pt", "Lembrete: “Gala” começa em 1 hora."),
        ("de", "Erinnerung: „Gala“ beginnt in 1 Stunde."), ("ar", "تذكير: تبدأ «Gala» خلال ساعة واحدة."),
        ("zh_Hans", "提醒：“Gala”将在1小时后开始。"),
    ],
)
def test_reminder_sentence_takes_the_direction_from_cldr(language: str, expected: str) -> None:
    with use_language(language):
        text = _("Reminder: “{title}” starts {when}.").format(title="Gala", when=format_relative(timedelta(minutes=58)))
    assert text == expected


async def test_reminder_settings_confirmation_has_no_space_after_a_chinese_full_stop(db: Database) -> None:
    """"Done." and the settings sentence are one text, so each language decides what goes between them."""
    async with db.transaction() as session:
        await person(session, "console", "zh-reader", language="zh_Hans")
    reader = Person(CommandService(db), user_id="zh-reader")
    await reader.send("/reminders 1d 2h")
    text = " ".join(reply.text or "" for reply in reader.last)
    assert text.startswith("完成。对于") and "。 " not in text, text


def test_sentences_are_joined_as_the_language_writes_them() -> None:
    assert join_sentences("Noted.", "To change this, send /reminders.") == "Noted. To change this, send /reminders."
    assert join_sentences("已记录。", "如需更改，请发送 /reminders。") == "已记录。如需更改，请发送 /reminders。"
    assert join_sentences("Quelle chaîne\u00a0?", "Tapez-en une.") == "Quelle chaîne\u00a0? Tapez-en une."


async def test_an_answer_and_its_reminder_hint_read_as_one_chinese_paragraph(db: Database) -> None:
    start = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None, second=0, microsecond=0)
    event_id = await make_event(db, start)
    await member_with(db, "zh-rsvp", language="zh_Hans", country="FR", zone="Europe/Paris")
    reader = Person(CommandService(db), user_id="zh-rsvp")
    await reader.send(f"/rsvp {event_id} 是")
    text = " ".join(reply.text or "" for reply in reader.last)
    assert "如需更改" in text and "。 " not in text, text


@pytest.mark.parametrize(
    ("code", "reader", "standalone", "in_sentence"),
    [("fr", "vi", "Tiếng Pháp", "tiếng Pháp"), ("vi", "vi", "Tiếng Việt", "tiếng Việt"), ("fr", "fr", "Français", "français"),
     ("de", "de", "Deutsch", "Deutsch"), ("en", "tr", "İngilizce", "İngilizce")],
)
def test_language_names_inside_a_sentence_follow_the_readers_casing(code: str, reader: str, standalone: str, in_sentence: str) -> None:
    # Vietnamese writes "nói tiếng Pháp": CLDR's names are the standalone "Tiếng Pháp"
    assert language_name(code, reader) == standalone
    assert language_name(code, reader, in_sentence=True) == in_sentence

"""Adding a language is adding its catalog: nothing in the code lists the languages.

The test lays a temporary ``locales/`` holding the shipped catalogs plus a tiny Traditional
Chinese one (a twelfth language, next to the shipped Simplified Chinese: the hardest case for tag
matching), points the catalog loader at it, and checks everything that offers, names or matches
languages sees the new one, with no code change.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bots.cli.common import language_option
from bots.cli.errors import CliError
from bots.cli.main import build_parser
from bots.discord.names import discord_locales, language_of_locale
from core.commands.service import CommandService
from core.db.engine import Database
from core.directory.validation import parse_consent
from core.events.errors import EventError
from core.events.fields import clean_language
from core.i18n import SUPPORTED_LANGUAGES, is_rtl, language_from_locale, match_language, use_language
from core.i18n.languages import use_catalog_directory
from locales import LOCALES_DIR
from tests.chat import Person

ZH_HANT = """\
msgid ""
msgstr ""
"Language: zh_Hant\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Which language would you like me to use?"
msgstr "您希望我使用哪種語言？"

msgctxt "spreadsheet value"
msgid "yes, y, true"
msgstr "是, 同意, 對"

msgctxt "spreadsheet value"
msgid "no, n, false"
msgstr "否, 不同意, 不對"
"""


@pytest.fixture
def with_twelfth(tmp_path: Path) -> Iterator[Path]:
    for shipped in LOCALES_DIR.iterdir():
        if (shipped / "LC_MESSAGES").is_dir():
            (tmp_path / shipped.name).symlink_to(shipped, target_is_directory=True)
    assert not (tmp_path / "zh_Hant").exists(), "Traditional Chinese ships now: pick another twelfth language here"
    catalog = tmp_path / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(ZH_HANT, encoding="utf-8")
    with use_catalog_directory(tmp_path):
        yield tmp_path


def test_the_shipped_languages_are_the_catalogs_present() -> None:
    shipped = {p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists()}
    assert set(SUPPORTED_LANGUAGES) == shipped and SUPPORTED_LANGUAGES[0] == "en"


def test_tags_match_by_language_script_and_region(with_twelfth: Path) -> None:
    assert "zh_Hant" in SUPPORTED_LANGUAGES and "zh_Hans" in SUPPORTED_LANGUAGES
    for tag in ("zh-TW", "zh-HK", "zh-Hant", "zh_Hant_TW", "zh-hant-MO"):
        assert language_from_locale(tag) == "zh_Hant", tag
    for tag in ("zh-CN", "zh-Hans", "zh_Hans", "zh-hans-SG", "zh", "zh-SG"):
        assert language_from_locale(tag) == "zh_Hans", tag  # the script decides, not the bare language
    assert language_from_locale("pt-BR") == "pt" and language_from_locale("es-419") == "es"
    assert language_from_locale("sr-Latn") is None and language_from_locale("xx-YY") is None


def test_without_the_twelfth_catalog_traditional_readers_are_not_given_simplified() -> None:
    for tag in ("zh-TW", "zh-HK", "zh-Hant"):
        assert language_from_locale(tag) is None, tag


def test_typed_names_find_the_new_language_in_any_supported_language(with_twelfth: Path) -> None:
    for typed in ("繁體中文", "Traditional Chinese", "chinois traditionnel", "zh-TW", "zh-Hant"):
        assert match_language(typed) == "zh_Hant", typed
    assert match_language("简体中文") == "zh_Hans" and match_language("français") == "fr" and match_language("Deutsch") == "de"


def test_discords_locale_table_is_derived_from_the_catalogs(with_twelfth: Path) -> None:
    table = discord_locales()
    assert table["zh_Hant"] == (discord.Locale.taiwan_chinese,)
    assert table["zh_Hans"] == (discord.Locale.chinese,)
    assert set(table["es"]) == {discord.Locale.spain_spanish, discord.Locale.latin_american_spanish}
    assert set(table["pt"]) == {discord.Locale.brazil_portuguese}
    assert table["ar"] == ()  # Arabic is no Discord locale
    assert language_of_locale(discord.Locale.taiwan_chinese) == "zh_Hant"
    assert language_of_locale(discord.Locale.chinese) == "zh_Hans"


async def test_the_language_picker_offers_the_new_catalog_and_speaks_it(db: Database, with_twelfth: Path) -> None:
    person = Person(CommandService(db), locale="zh-TW")
    await person.send("/start")
    traditional = person.button("繁體中文")
    assert traditional.selected  # guessed from the platform locale
    assert not person.button("简体中文").selected
    await person.press("繁體中文")
    await person.send("/language")
    assert any("您希望我使用哪種語言" in (reply.text or "") for reply in person.last)


def test_texts_that_list_the_languages_list_the_catalogs_present(with_twelfth: Path) -> None:
    with pytest.raises(EventError) as refused:
        clean_language("xx")
    with use_language("fr"):
        assert refused.value.translated().endswith(".") and "zh-Hant" in refused.value.translated()
        assert " ou " in refused.value.translated()
    assert "en, " in str(refused.value) and "zh-Hant" in str(refused.value)
    assert clean_language("zh-hant") == "zh_Hant" and clean_language("FR") == "fr"
    with pytest.raises(CliError) as cli:
        language_option("xx")
    assert "zh-Hant" in str(cli.value) and "de" in str(cli.value)


def test_the_writing_direction_comes_from_cldr() -> None:
    assert is_rtl("ar") and is_rtl("he") and is_rtl("fa") and is_rtl("ur")
    assert not is_rtl("en") and not is_rtl("zh_Hans") and not is_rtl("zh_Hant") and not is_rtl("xx")


def test_the_command_line_takes_a_text_per_catalog_with_its_tag(with_twelfth: Path) -> None:
    parser = build_parser()
    args = parser.parse_args(["announce", "--channel", "tn", "--text-zh-hant", "你好", "--text-fr", "Bonjour"])
    assert args.texts_given == [("zh_Hant", "你好"), ("fr", "Bonjour")]
    args = parser.parse_args(["events", "create", "--title", "x", "--title-zh-hant", "聚會", "--start", "2030-01-01 18:00",
                              "--timezone", "Asia/Taipei"])
    assert args.title_zh_Hant == "聚會"


def test_spreadsheet_yes_and_no_are_read_in_every_catalogs_words(with_twelfth: Path) -> None:
    assert parse_consent("對") is True and parse_consent("不對") is False
    assert parse_consent("Oui") is True and parse_consent("não") is False and parse_consent("نعم") is True
    assert parse_consent("1") is True and parse_consent("") is False and parse_consent("peut-être") is None

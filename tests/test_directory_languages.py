"""The directory in every language: an association's name, city and description per language (import
keys ``name_<lang>``, ``city_<lang>``, ``description_<lang>``), shown in the reader's language with a
fallback and exported back; countries and cities found by their names in other languages and scripts."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bots.cli import main
from core.audit import Actor
from core.commands.handlers.directory import association_card
from core.db.engine import Database
from core.directory.exporter import export_csv
from core.directory.importer import import_file, import_rows
from core.directory.index import DirectoryIndex, Entry
from core.directory.readers import parse_csv
from core.directory.search import DirectorySearch
from core.geo.countries import match_country
from core.i18n import use_language

CSV = (
    "id,name,country,city,languages,description,name_ar,city_ar,description_ar,name_fr,description_fr\n"
    "lb1,Freundeskreis Beirut,LB,Beyrouth,de;fr,Ein Netzwerk in Beirut.,رابطة خريجي بيروت,بيروت,شبكة في بيروت.,"
    "Amicale de Beyrouth,Un réseau à Beyrouth.\n"
    "lb2,Alumni Tripoli,LB,Tripoli,en,A network in Tripoli.,,,,,\n"
)


async def test_translations_are_shown_in_the_readers_language_with_a_fallback(db: Database) -> None:
    report = await import_rows(db, parse_csv(CSV), actor=Actor.command_line(), strict=True)
    assert (report.created, report.rejected) == (2, [])
    search = DirectorySearch(db, check_interval=0)
    hit = next(h for h in (await search.search("Beyrouth")).hits if h.id and h.name == "Freundeskreis Beirut")
    with use_language("ar"):
        card = association_card(hit)
    assert (card.title, card.subtitle, card.body) == ("رابطة خريجي بيروت", "بيروت، لبنان", "شبكة في بيروت.")  # Arabic comma
    with use_language("fr"):
        card = association_card(hit)
    assert (card.title, card.subtitle.split(",")[0], card.body) == ("Amicale de Beyrouth", "Beyrouth", "Un réseau à Beyrouth.")
    # Spanish: no Spanish text; the association's own languages (de, then fr) come next, then the base.
    with use_language("es"):
        card = association_card(hit)
    assert (card.title, card.body) == ("Freundeskreis Beirut", "Ein Netzwerk in Beirut.")
    # A translated name is searchable too.
    assert [h.name for h in (await search.search("رابطة خريجي")).hits] == ["Freundeskreis Beirut"]
    plain = next(h for h in (await search.search("Tripoli")).hits)
    with use_language("ar"):
        assert association_card(plain).title == "Alumni Tripoli"


async def test_translations_round_trip_through_export_csv_and_json(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "directory.json"
    source.write_text(json.dumps([
        {"name": "Alumni Hanoi", "country": "VN", "city": "Hanoï", "name_fr": "Amicale de Hanoï",
         "description_de": "Ehemalige in Hanoi.", "city_ar": "هانوي"},
    ]), encoding="utf-8")
    assert (await import_file(db, source, strict=True, actor=Actor.command_line())).created == 1
    out = io.StringIO()
    await export_csv(db, out)
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["name_fr"], row["description_de"], row["city_ar"], row["name_es"]) == (
        "Amicale de Hanoï", "Ehemalige in Hanoi.", "هانوي", "")
    again = await import_rows(db, parse_csv(out.getvalue()), actor=Actor.command_line())
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 1, [])
    # a translation changed in the file is an update
    changed = out.getvalue().replace("Amicale de Hanoï", "Association de Hanoï")
    assert (await import_rows(db, parse_csv(changed), actor=Actor.command_line())).updated == 1


def test_countries_are_found_by_their_names_in_other_languages_and_short_forms() -> None:
    for text, code in (("德国", "DE"), ("Германия", "DE"), ("Elfenbeinküste", "CI"), ("RDC", "CD"), ("DRC", "CD"),
                       ("USA", "US"), ("UK", "GB"), ("Almanya", "DE"), ("Germania", "DE"), ("Đức", "DE")):
        match = match_country(text)
        assert match is not None and (match.code, match.exact) == (code, True), text


def test_cities_are_found_by_their_names_from_the_maintained_data_set() -> None:
    # Cities the hand-written supplement never listed: their other names come from GeoNames.
    index = DirectoryIndex([
        Entry(1, "Freundeskreis München", "DE", "München", "", "", ("de",), (), ""),
        Entry(2, "Alumni Köln", "DE", "Köln", "", "", ("de",), (), ""),
        Entry(3, "Amicale de Beyrouth", "LB", "Beyrouth", "", "", ("fr",), (), ""),
        Entry(4, "Munich Street Alumni", "US", "Boston", "", "", ("en",), (), ""),
    ])
    for query, expected in (("Munich", 1), ("Мюнхен", 1), ("慕尼黑", 1), ("Cologne", 2), ("كولونيا", 2),
                            ("Бейрут", 3), ("Beirut", 3), ("بيروت", 3)):
        _, page = index.search(query)
        assert page and index.entries[page[0][0]].id == expected, query
    # The city named comes before a name that merely holds the word.
    _, page = index.search("Munich")
    assert [index.entries[doc].id for doc, _, _ in page] == [1, 4]


def test_cli_search_shows_the_texts_of_the_language_asked(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALUMNI_DATABASE_URL", database_url)
    monkeypatch.setenv("ALUMNI_LANG", "en")
    source = tmp_path / "directory.csv"
    source.write_text(CSV, encoding="utf-8")
    assert main(["db", "upgrade"]) == 0
    assert main(["directory", "import", str(source)]) == 0
    capsys.readouterr()
    assert main(["directory", "search", "Beirut", "--lang", "ar"]) == 0
    out = capsys.readouterr().out
    assert "1. رابطة خريجي بيروت — بيروت, " in out and "Freundeskreis" not in out

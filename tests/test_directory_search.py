"""Directory search: languages, accents, typos, ranking, filters and index refresh."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.audit import Actor
from core.directory.importer import import_file, import_rows
from core.directory.index import EXACT, FUZZY, PREFIX
from core.directory.readers import parse_csv
from core.directory.search import DirectorySearch

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"


@pytest.fixture
async def search(db) -> DirectorySearch:
    report = await import_file(db, SAMPLE, strict=True, actor=Actor.command_line())
    assert report.created >= 150
    return DirectorySearch(db)


def cities(results) -> set[str]:
    return {hit.city for hit in results.hits}


async def test_country_names_in_every_language_and_typos(search):
    for query in ("Allemagne", "Deutschland", "germany", "ALEMANIA", "Alemanha", "ألمانيا", "Germny", "deutchland"):
        results = await search.search(query)
        assert results.total == 3, query
        assert {h.country_code for h in results.hits} == {"DE"}, query


async def test_accents_and_typos(search):
    for query in ("Sao Paolo", "são paulo", "SAO PAULO", "sao"):
        results = await search.search(query)
        assert "São Paulo" in cities(results), query


async def test_city_with_umlaut_and_without(search):
    for query in ("Düsseldorf", "dusseldorf", "Dusseldorff", "zurich", "bogota"):
        results = await search.search(query)
        assert results.hits and results.hits[0].city in {"Düsseldorf", "Zürich", "Bogotá"}, query


async def test_ranking_exact_then_prefix_then_fuzzy(search):
    results = await search.search("tunis", limit=50)
    ranks = [h.rank for h in results.hits]
    assert ranks == sorted(ranks)
    # The city Tunis matches exactly; the other Tunisian associations only through the prefix of "Tunisie".
    assert results.hits[0].city == "Tunis" and results.hits[0].rank == EXACT
    assert {h.city for h in results.hits if h.rank == PREFIX} >= {"Sfax", "Sousse"}
    keys = [(h.rank, -h.score, h.name) for h in results.hits]
    assert keys == sorted(keys)
    fuzzy = await search.search("Tunisiia")
    assert fuzzy.hits and all(h.rank == FUZZY and h.country_code == "TN" for h in fuzzy.hits)


async def test_several_words_narrow_the_result(search):
    results = await search.search("lycee francais oran")
    assert [h.city for h in results.hits] == ["Oran"]
    assert (await search.search("united states")).total == 3
    assert (await search.search("cote d ivoire")).hits[0].city == "Abidjan"
    assert (await search.search("xyzzy plugh")).total == 0


async def test_filters_and_paging(search):
    tunisia = await search.search("", country="tn")
    assert tunisia.total == 3 and {h.country_code for h in tunisia.hits} == {"TN"}
    themed = await search.search("", theme="health")
    assert themed.total > 0 and all("health" in h.themes for h in themed.hits)
    both = await search.search("alumni", country="US", theme="culture")
    assert all(h.country_code == "US" and "culture" in h.themes for h in both.hits)
    page1 = await search.search("association", limit=5)
    page2 = await search.search("association", limit=5, offset=5)
    assert page1.total == page2.total > 10
    assert not {h.id for h in page1.hits} & {h.id for h in page2.hits}
    assert (await search.search("Berlin", country="FR")).total == 0


async def test_index_refreshes_after_reimport(db, search):
    assert (await search.search("Quimper")).total == 0
    csv = "id,name,country,city\nfr-qui,Amicale des anciens de Quimper,FR,Quimper\n"
    await import_rows(db, parse_csv(csv), actor=Actor.command_line())
    assert (await search.search("quimper")).hits[0].name == "Amicale des anciens de Quimper"
    # Another process's import is seen through the revision counter once the check is due.
    other = DirectorySearch(db, check_interval=0)
    assert (await other.search("quimper")).total == 1
    await import_rows(db, parse_csv("id,name,country,city\nfr-qui,Amicale des anciens de Quimper-Cornouaille,FR,Quimper\n"), actor=Actor.command_line())
    assert (await other.search("cornouaille")).total == 1

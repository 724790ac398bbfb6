"""Directory import, export and the revision counter, on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.audit import Actor
from core.db.models import Association, DirectoryRevision
from core.directory.exporter import export_csv
from core.directory.importer import DirectoryFileError, import_file, import_rows
from core.directory.readers import parse_csv
from core.imports import ImportLimitError, ImportLimits

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"
HEADER = "id,name,country,city,website,email,languages,themes,description\n"
GOOD = (
    HEADER
    + "de-ber,Verein der Ehemaligen Berlin,DE,Berlin,https://berlin.example.org,info@berlin.example.org,de;fr,culture;education,Treffen\n"
    + ",Association des anciens de Tunis,Tunisie,Tunis,tunis.example.org,contact@tunis.example.org,fr;ar,careers,\"Deux\nlignes\"\n"
    + "br-sp,Associação dos Antigos Alunos de São Paulo,Brasil,São Paulo,,,pt,,\n"
)


async def count(db, model=Association) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def revision(db) -> int:
    async with db.transaction() as session:
        return (await session.scalar(select(DirectoryRevision.revision).where(DirectoryRevision.id == 1))) or 0


async def test_csv_import_then_reimport_is_idempotent(db, tmp_path):
    path = tmp_path / "dir.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")  # a BOM, as spreadsheet programs write
    first = await import_file(db, path, actor=Actor.command_line())
    assert (first.created, first.updated, first.unchanged, first.rejected) == (3, 0, 0, [])
    assert await revision(db) == 1
    again = await import_file(db, path, actor=Actor.command_line())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert await revision(db) == 1  # nothing changed, counter untouched
    assert await count(db) == 3
    async with db.transaction() as session:
        tunis = await session.scalar(select(Association).where(Association.city == "Tunis"))
    assert tunis.country_code == "TN" and tunis.website == "https://tunis.example.org"
    assert tunis.description == "Deux lignes" and tunis.languages == ["fr", "ar"] and tunis.external_id is None


async def test_updates_by_id_and_by_name(db):
    await import_rows(db, parse_csv(GOOD), actor=Actor.command_line())
    changed = (
        HEADER
        + "de-ber,Verein der Ehemaligen zu Berlin,DE,Berlin,,,de,,\n"  # renamed: found by id
        + "tn-1,ASSOCIATION des Anciens de TUNIS,TN,Tunis,,,fr,,\n"  # found by folded name + country, gets an id
    )
    report = await import_rows(db, parse_csv(changed), actor=Actor.command_line())
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 2, 0, [])
    assert await count(db) == 3 and await revision(db) == 2
    async with db.transaction() as session:
        rows = {a.external_id: a for a in await session.scalars(select(Association))}
    assert rows["de-ber"].name == "Verein der Ehemaligen zu Berlin"
    assert rows["tn-1"].name == "ASSOCIATION des Anciens de TUNIS"


async def test_json_import(db, tmp_path):
    path = tmp_path / "dir.json"
    items = [
        {"id": "ch-zh", "name": "Alumni Zürich", "country": "Schweiz", "city": "Zürich", "languages": ["de", "fr"], "themes": "health;careers"},
        {"name": "Sin país", "country": "Atlantis"},
        "not an object",
    ]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = await import_file(db, path, actor=Actor.command_line())
    assert report.created == 1
    assert [(e.line, e.reason) for e in report.rejected] == [(2, "unknown country: Atlantis"), (3, "not an object")]
    async with db.transaction() as session:
        zurich = await session.scalar(select(Association))
    assert (zurich.country_code, zurich.languages, zurich.themes) == ("CH", ["de", "fr"], ["health", "careers"])


async def test_json_values_of_the_wrong_type_reject_their_row(db, tmp_path):
    """A number, NaN, a list or an object where text is expected was turned into text and imported."""
    path = tmp_path / "types.json"
    path.write_text("""[
 {"id": "ok", "name": "Alumni Lyon", "country": "FR", "languages": ["fr", "en"], "contact_consent": true, "city": null},
 {"name": 42, "country": "FR"},
 {"name": "Nan city", "country": "FR", "city": NaN},
 {"name": ["a", "b"], "country": "FR"},
 {"name": "Obj", "country": {"code": "FR"}},
 {"name": "Bad list", "country": "FR", "themes": ["health", 7]},
 {"name": "Flag", "country": "FR", "email": true}
]""", encoding="utf-8")
    report = await import_file(db, path, actor=Actor.command_line())
    assert report.created == 1
    assert [(e.line, e.reason) for e in report.rejected] == [
        (2, "name must be text, not a number"),
        (3, "city must be text, not a number"),
        (4, "name must be text, not a list"),
        (5, "country must be text, not an object"),
        (6, "themes must be text or a list of texts"),
        (7, "email must be text, not true or false"),
    ]
    async with db.transaction() as session:
        lyon = await session.scalar(select(Association))
    assert (lyon.name, lyon.languages, lyon.contact_consent, lyon.city) == ("Alumni Lyon", ["fr", "en"], True, "")


async def test_a_duplicated_header_column_is_refused(db, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("id,name,country,City,city\na,Alumni Lyon,FR,Lyon,Paris\n", encoding="utf-8")
    with pytest.raises(DirectoryFileError, match="^column city appears twice in the header$"):
        await import_file(db, path, actor=Actor.command_line())
    assert await count(db) == 0


async def test_import_limits(db, tmp_path):
    csv_path = tmp_path / "many.csv"
    csv_path.write_text(HEADER + "".join(f"x{n},Alumni {n},FR,,,,,,\n" for n in range(6)), encoding="utf-8")
    json_path = tmp_path / "many.json"
    json_path.write_text(json.dumps([{"name": f"Alumni {n}", "country": "FR"} for n in range(6)]), encoding="utf-8")
    for path in (csv_path, json_path):
        with pytest.raises(ImportLimitError, match=r"^too many rows for one import \(ALUMNI_IMPORT_MAX_ROWS = 5\)$"):
            await import_file(db, path, limits=ImportLimits(max_rows=5), actor=Actor.command_line())
        with pytest.raises(ImportLimitError, match=r"ALUMNI_IMPORT_MAX_BYTES = 100\)$"):
            await import_file(db, path, limits=ImportLimits(max_bytes=100), actor=Actor.command_line())
    assert await count(db) == 0
    assert (await import_file(db, csv_path, limits=ImportLimits(max_rows=6), actor=Actor.command_line())).created == 6


BAD = (
    HEADER
    + "a,Good one,FR,Lyon,,,,,\n"  # line 2
    + "b,Unknown country,Germny,,,,,,\n"  # line 3: typo, no fuzzy guess on import
    + "c,Bad mail,FR,,,not-an-email,,,\n"  # 4
    + "d,Bad url,FR,,ftp://x.example.org,,,,\n"  # 5
    + "e,,FR,,,,,,\n"  # 6
    + "f,Bad theme,FR,,,,,gardening,\n"  # 7
    + "g,Bad language,FR,,,,xx,,\n"  # 8
    + "a,Duplicate id,FR,,,,,,\n"  # 9
    + "h,\"Multi\nline\",FR,,,,,,\n"  # 10-11: a good row spanning two physical lines
    + "i,GOOD ONE,FR,,,,,,\n"  # 12: same folded name and country as line 2
    + "j,Control\x07 chars\x1b\x0c\u2028\u202e,FR,,,,,,\n"  # 13: fine once cleaned (and still one line)
    + "k," + "x" * 400 + ",FR,,,,,,\n"  # 14
)


async def test_bad_rows_are_reported_with_lines_and_reasons(db):
    report = await import_rows(db, parse_csv(BAD), actor=Actor.command_line())
    reasons = {e.line: e.reason for e in report.rejected}
    assert reasons == {
        3: "unknown country: Germny",
        4: "malformed e-mail address: not-an-email",
        5: "malformed website address: ftp://x.example.org",
        6: "missing name",
        7: "unknown theme: gardening",
        8: "unknown language code: xx",
        9: "duplicate id a (first on line 2)",
        12: "same name and country as line 2",
        14: "name longer than 300 characters",
    }
    assert report.created == 3 and not report.aborted
    async with db.transaction() as session:
        names = set(await session.scalars(select(Association.name)))
    assert names == {"Good one", "Multi line", "Control chars"}


async def test_strict_imports_nothing(db):
    report = await import_rows(db, parse_csv(BAD), strict=True, actor=Actor.command_line())
    assert report.aborted and report.created == 0 and len(report.rejected) == 9
    assert await count(db) == 0 and await count(db, DirectoryRevision) == 0


async def test_unreadable_files(db, tmp_path):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "a,Caf\xe9,FR,,,,,,\n").encode("latin-1"))
    no_header = tmp_path / "nohead.csv"
    no_header.write_text("a,b,c\n", encoding="utf-8")
    not_list = tmp_path / "obj.json"
    not_list.write_text('{"name": "x"}', encoding="utf-8")
    for path in (latin1, no_header, not_list, tmp_path / "missing.csv", tmp_path / "dir.txt"):
        with pytest.raises(DirectoryFileError):
            await import_file(db, path, actor=Actor.command_line())


async def test_export_round_trips(db, tmp_path):
    await import_file(db, SAMPLE, actor=Actor.command_line())
    out = io.StringIO()
    exported = await export_csv(db, out)
    assert exported == await count(db)
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    report = await import_file(db, path, actor=Actor.command_line())
    assert (report.created, report.updated, report.rejected) == (0, 0, [])
    assert report.unchanged == exported


async def test_sample_directory_imports_cleanly(db):
    report = await import_file(db, SAMPLE, strict=True, actor=Actor.command_line())
    assert report.rejected == [] and report.created >= 150
    async with db.transaction() as session:
        countries = set(await session.scalars(select(Association.country_code)))
        websites = list(await session.scalars(select(Association.website)))
    assert len(countries) > 100 and {"DE", "TN", "BR"} <= countries
    assert all(site == "" or site.split("/")[2].endswith(".example.org") for site in websites)

"""Contact persons of associations: imported and checked like every field, exported for a round trip,
shown to members (cards, ``alumni directory search``) only with the person's consent, never searched."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.cli import main
from core.audit import Actor
from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Association
from core.directory.exporter import export_csv
from core.directory.importer import import_file, import_rows
from core.directory.readers import parse_csv
from core.directory.search import DirectorySearch
from tests.chat import Person

SAMPLE = Path(__file__).resolve().parents[1] / "core" / "directory" / "data" / "sample_directory.csv"
HEADER = "id,name,country,city,email,contact_name,contact_email,contact_phone,contact_consent\n"
GOOD = (
    "a1,Alumni Zarzis,TN,Zarzis,info@zarzis.example.org,Sonia Gharbi,sonia@zarzis.example.org,+216 75 000 111,Oui\n"
    "a2,Alumni Gabès,TN,Gabès,,Hedi Mansour,hedi@gabes.example.org,(075) 000-112,no\n"
    "a3,Alumni Tozeur,TN,Tozeur,,Amira Zouari,,0033 1 00 00 01 13,نعم\n"
    "a4,Alumni Kairouan,TN,Kairouan,,,,,\n"
    "a5,Alumni Bizerte,TN,Bizerte,,Walid Ayari,walid@bizerte.example.org,,FALSE\n"
)
BAD = (
    "b1,Alumni Nabeul,TN,Nabeul,,Someone,not-an-email,,yes\n"
    "b2,Alumni Monastir,TN,Monastir,,Someone,,call me maybe,yes\n"
    "b3,Alumni Mahdia,TN,Mahdia,,Someone,,,perhaps\n"
    "b4,Alumni Djerba,TN,Djerba,,Someone,,+33 1 23,yes\n"
)


async def test_contacts_are_validated_with_line_numbers(db: Database) -> None:
    report = await import_rows(db, parse_csv(HEADER + GOOD + BAD), actor=Actor.command_line())
    assert report.created == 5
    reasons = {error.line: error.reason for error in report.rejected}
    assert set(reasons) == {7, 8, 9, 10}
    assert "contact e-mail" in reasons[7] and "not-an-email" in reasons[7]
    assert "phone" in reasons[8] and "phone" in reasons[10]
    assert "contact_consent" in reasons[9] and "perhaps" in reasons[9]
    async with db.transaction() as session:
        stored = {a.external_id: a for a in await session.scalars(select(Association))}
    assert (stored["a1"].contact_name, stored["a1"].contact_consent) == ("Sonia Gharbi", True)
    assert stored["a2"].contact_consent is False and stored["a3"].contact_consent is True
    assert stored["a4"].contact_name == "" and stored["a4"].contact_consent is False
    assert stored["a5"].contact_consent is False


async def test_json_booleans_and_a_round_trip_through_export(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "directory.json"
    source.write_text(json.dumps([
        {"name": "Alumni Oran", "country": "DZ", "contact_name": "Farid B.", "contact_phone": "+213 41 00 01 14",
         "contact_consent": True},
        {"name": "Alumni Annaba", "country": "DZ", "contact_email": "x@annaba.example.org", "contact_consent": False},
        {"name": "Alumni Tlemcen", "country": "DZ", "contact_consent": "sí"},
    ]), encoding="utf-8")
    report = await import_file(db, source, strict=True, actor=Actor.command_line())
    assert report.created == 3
    out = io.StringIO()
    await export_csv(db, out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    by_name = {row["name"]: row for row in exported}
    assert by_name["Alumni Oran"]["contact_consent"] == "yes" and by_name["Alumni Oran"]["contact_name"] == "Farid B."
    assert by_name["Alumni Annaba"]["contact_consent"] == "no"
    assert by_name["Alumni Tlemcen"]["contact_consent"] == "yes"
    again = await import_rows(db, parse_csv(out.getvalue()), actor=Actor.command_line())
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, [])
    # a consent withdrawn in the file is an update
    changed = out.getvalue().replace(",Farid B.,,'+213 41 00 01 14,yes", ",Farid B.,,'+213 41 00 01 14,no")
    assert (await import_rows(db, parse_csv(changed), actor=Actor.command_line())).updated == 1


async def test_cards_show_a_contact_person_only_with_consent_and_search_ignores_them(db: Database) -> None:
    await import_rows(db, parse_csv(HEADER + GOOD), actor=Actor.command_line())
    person = Person(CommandService(db))
    await person.send("/language en")
    await person.send("/associations Tunisia")
    cards = {card.title: card for reply in person.last for card in reply.cards}
    assert len(cards) == 5

    def contact(title: str) -> str | None:
        return next((f.value for f in cards[title].fields if f.label == "Contact person"), None)

    assert contact("Alumni Zarzis") == "Sonia Gharbi · sonia@zarzis.example.org · +216 75 000 111"
    assert contact("Alumni Tozeur") == "Amira Zouari · 0033 1 00 00 01 13"
    for title in ("Alumni Gabès", "Alumni Kairouan", "Alumni Bizerte"):
        assert contact(title) is None
    shown = repr(person.last)
    for hidden in ("Hedi Mansour", "hedi@gabes", "000-112", "Walid Ayari", "walid@bizerte"):
        assert hidden not in shown
    search = DirectorySearch(db)
    for query in ("Sonia", "Gharbi", "Hedi Mansour", "walid", "sonia@zarzis.example.org"):
        assert (await search.search(query)).total == 0, query


def test_cli_directory_search_follows_the_same_rule(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALUMNI_DATABASE_URL", database_url)
    monkeypatch.setenv("ALUMNI_LANG", "en")
    source = tmp_path / "contacts.csv"
    source.write_text(HEADER + GOOD, encoding="utf-8")
    assert main(["db", "upgrade"]) == 0
    assert main(["directory", "import", str(source)]) == 0
    capsys.readouterr()
    assert main(["directory", "search", "alumni", "--country", "TN", "--limit", "10"]) == 0
    out = capsys.readouterr().out
    assert "contact person: Sonia Gharbi · sonia@zarzis.example.org · +216 75 000 111" in out
    assert "Hedi Mansour" not in out and "Walid Ayari" not in out and "hedi@gabes" not in out
    assert main(["directory", "search", "Sonia"]) == 0
    assert "0 associations found" in capsys.readouterr().out


async def test_the_sample_directory_has_contacts_with_and_without_consent(db: Database) -> None:
    report = await import_file(db, SAMPLE, strict=True, actor=Actor.command_line())
    assert report.created >= 150
    async with db.transaction() as session:
        contacts = [a for a in await session.scalars(select(Association)) if a.contact_name]
    assert {a.contact_consent for a in contacts} == {True, False}
    assert all(a.contact_email.endswith(".example.org") for a in contacts if a.contact_email)

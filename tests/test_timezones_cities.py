"""The city data behind time zones (and, later, the directory): names in other languages and scripts, typos."""
from __future__ import annotations

from core.geo import cities
from core.geo.cities import find_city
from core.geo.timezones import find_zone, zone_name
from core.text import fold


def test_city_names_in_other_languages_and_scripts() -> None:
    for typed, expected in (("Beyrouth", "Asia/Beirut"), ("القاهرة", "Africa/Cairo"), ("Лион", "Europe/Paris"),
                            ("Hà Nội", "Asia/Ho_Chi_Minh"), ("MÜNCHEN", "Europe/Berlin"), ("Dusseldrof", "Europe/Berlin")):
        found = find_zone(typed)
        assert found is not None and found.zone == expected, typed
    city = find_city("sfaks")
    assert city is not None and (city.name, city.country) == ("Sfax", "TN") and fold("Sfax") in city.keys
    assert find_zone("Mars/Olympus") is None
    assert zone_name("Etc/GMT-1", "fr") == "UTC+01:00"


def test_the_data_is_folded_as_the_code_folds_today() -> None:
    """The names are folded by scripts/build_city_data.py: rerun it when ``core.text.fold`` changes."""
    rows = cities._table().rows
    assert len(rows) > 30_000
    for row in rows[::300]:
        city = cities._city(row)
        assert city.keys[0] == fold(city.name), city
        assert all(key == fold(key) for key in city.keys), city


def test_a_city_typed_in_one_language_gives_its_names_in_the_others() -> None:
    assert {"beyrouth", "beirut"} <= set(cities.city_aliases("بيروت"))
    assert cities.city_aliases("Narnia") == ()

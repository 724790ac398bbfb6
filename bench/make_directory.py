"""A synthetic directory of N associations, for the benchmark (deterministic for a given seed).

Names mix real templates with invented words so the vocabulary is as varied as a real one.
Cities are half real (the most populous of each country, so their other names in other
languages and scripts are searched as in a real directory), half invented.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from core.channels import THEMES
from core.directory.spreadsheet import escape_cell
from core.geo.countries import country_codes

COLUMNS = ("id", "name", "country", "city", "website", "email", "languages", "themes", "description")
TEMPLATES = (
    "Association des anciens élèves du Lycée {w} de {c}",
    "Amicale des anciens de l'École {w} de {c}",
    "{c} {w} Alumni Association",
    "Asociación de Exalumnos del Colegio {w} de {c}",
    "Associação dos Antigos Alunos {w} de {c}",
    "Verein der Ehemaligen {w} {c}",
    "Réseau {w} des diplômés de {c}",
)
SYLLABLES = ("ba", "be", "ri", "lo", "mu", "sa", "ten", "dor", "kal", "vi", "no", "zé", "ash", "ul", "pra", "gon", "mé", "ri", "ka", "so")
LANGUAGES = ("fr", "en", "es", "pt", "de", "ar", "it", "nl", "sw", "zh")
CITIES = Path(__file__).resolve().parents[1] / "core" / "geo" / "data" / "cities.tsv"
REAL_CITIES = 4  # per country, the most populous


@lru_cache(maxsize=1)
def real_cities() -> dict[str, tuple[str, ...]]:
    """Country code -> its most populous cities' main names (the data file lists the most populous first)."""
    found: dict[str, list[str]] = {}
    with CITIES.open(encoding="utf-8") as source:
        for line in source:
            if line.startswith("#") or not line.strip():
                continue
            _, name, country, *_ = line.split("\t", 3)
            names = found.setdefault(country, [])
            if len(names) < REAL_CITIES and name not in names:
                names.append(name)
    return {code: tuple(names) for code, names in found.items()}


def word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    codes = list(country_codes())
    cities = {code: [word(rng, rng.randint(2, 4)) for _ in range(rng.randint(2, 12))] for code in codes}
    real = real_cities()
    out = []
    seen: set[tuple[str, str]] = set()
    for number in range(count):
        while True:  # the same name twice in one country would be one association
            code = rng.choice(codes)
            known = real.get(code)
            city = rng.choice(known if known and rng.random() < 0.5 else cities[code])
            name = rng.choice(TEMPLATES).format(w=word(rng, rng.randint(2, 3)), c=city)
            if (name.casefold(), code) not in seen:
                seen.add((name.casefold(), code))
                break
        host = f"a{number}.example.org"
        out.append(
            {
                "id": f"syn-{number}",
                "name": name,
                "country": code,
                "city": city,
                "website": f"https://{host}",
                "email": f"contact@{host}",
                "languages": ";".join(rng.sample(LANGUAGES, rng.randint(1, 3))),
                "themes": ";".join(rng.sample(list(THEMES), rng.randint(1, 3))),
                "description": f"Synthetic association number {number}.",
            }
        )
    return out


def write_csv(count: int, out: TextIO, seed: int = 7) -> None:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: escape_cell(value) for key, value in row.items()} for row in rows(count, seed))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_csv(args.count, sys.stdout, args.seed)

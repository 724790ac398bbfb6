"""Directory search quality: precision and top-3 accuracy of the search-quality set.

Each case of ``tests/search_quality.json`` is a query (city and country names in the six
languages and several scripts, other names of cities, transliterations, typos, partial words,
words of names) with the result expected first, run against the sample directory.

- top-1 / top-3 accuracy: the expected association is first / among the first three.
- precision: among the results of the first page (10), the share in the expected country
  ("Tunis" answering Sfax and Sousse is precise, answering Dubai and New York is not);
  averaged over the queries that found anything.

Run: ``.venv/bin/python -m bench.bench_search_quality [--misses]``. The test
``tests/test_search_quality.py`` holds the figures above a floor.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.directory.index import DirectoryIndex, Entry
from core.directory.readers import read_file
from core.directory.validation import validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "core" / "directory" / "data" / "sample_directory.csv"
CASES = ROOT / "tests" / "search_quality.json"
EXACT_KINDS = frozenset({"city", "country"})  # the query is a place's own name: the top result must be right
PAGE = 10


@dataclass(frozen=True, slots=True)
class Case:
    query: str
    kind: str
    lang: str
    city: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    top: list[Entry]  # the first page, best first
    position: int | None  # 0-based position of the first expected association, if found on the page
    precision: float | None  # None when nothing was found


@dataclass
class Quality:
    outcomes: list[Outcome] = field(default_factory=list)

    def _share(self, outcomes: list[Outcome], within: int) -> float:
        hits = sum(1 for o in outcomes if o.position is not None and o.position < within)
        return hits / len(outcomes) if outcomes else 1.0

    @property
    def top1(self) -> float:
        return self._share(self.outcomes, 1)

    @property
    def top3(self) -> float:
        return self._share(self.outcomes, 3)

    @property
    def precision(self) -> float:
        found = [o.precision for o in self.outcomes if o.precision is not None]
        return sum(found) / len(found) if found else 0.0

    def misses(self, within: int = 3) -> list[Outcome]:
        return [o for o in self.outcomes if o.position is None or o.position >= within]

    def exact_misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.kind in EXACT_KINDS and o.position != 0]

    def by_kind(self) -> dict[str, Quality]:
        kinds: dict[str, Quality] = {}
        for outcome in self.outcomes:
            kinds.setdefault(outcome.case.kind, Quality()).outcomes.append(outcome)
        return kinds


def load_cases(path: Path = CASES) -> list[Case]:
    return [Case(**raw) for raw in json.loads(path.read_text(encoding="utf-8"))["cases"]]


def sample_index(path: Path = SAMPLE) -> DirectoryIndex:
    """The index of the sample directory, read and validated as an import would, without a database."""
    entries = []
    for number, (_, raw) in enumerate(read_file(path), start=1):
        record, reasons = validate(raw)
        if record is None:
            raise ValueError(f"sample row {number} is invalid: {reasons}")
        entries.append(Entry(number, record.name, record.country_code, record.city, record.website, record.email,
                             record.languages, record.themes, record.description))
    return DirectoryIndex(entries)


def _expected(case: Case, entry: Entry) -> bool:
    return entry.city == case.city if case.city is not None else entry.country_code == case.country


def evaluate(index: DirectoryIndex, cases: list[Case]) -> Quality:
    """Every case run through the index's search, first page only."""
    cities = {entry.city: entry.country_code for entry in index.entries}
    quality = Quality()
    for case in cases:
        _, page = index.search(case.query, limit=PAGE)
        top = [index.entries[doc] for doc, _, _ in page]
        position = next((i for i, entry in enumerate(top) if _expected(case, entry)), None)
        country = case.country or cities.get(case.city or "")
        precision = sum(entry.country_code == country for entry in top) / len(top) if top else None
        quality.outcomes.append(Outcome(case, top, position, precision))
    return quality


def _describe(outcome: Outcome) -> str:
    expected = outcome.case.city or outcome.case.country
    found = ", ".join(f"{e.city} ({e.country_code})" for e in outcome.top[:3]) or "nothing"
    where = "not on the page" if outcome.position is None else f"at {outcome.position + 1}"
    return f"   [{outcome.case.kind}/{outcome.case.lang}] {outcome.case.query!r}: expected {expected} ({where}); top 3: {found}"


def main(show_all_misses: bool) -> None:
    started = time.perf_counter()
    index = sample_index()
    cases = load_cases()
    quality = evaluate(index, cases)
    elapsed = time.perf_counter() - started
    print(f"search quality: {len(cases)} queries on the sample directory ({len(index)} associations), {elapsed:.2f} s")
    print(f"   top-1 accuracy {quality.top1:.1%}   top-3 accuracy {quality.top3:.1%}   precision (first page) {quality.precision:.1%}")
    for kind, part in sorted(quality.by_kind().items()):
        print(f"   {kind:<8} n={len(part.outcomes):<4} top-1 {part.top1:6.1%}  top-3 {part.top3:6.1%}  precision {part.precision:6.1%}")
    exact = quality.exact_misses()
    print(f"exact city/country names not first: {len(exact)}")
    for outcome in exact:
        print(_describe(outcome))
    misses = quality.misses() if show_all_misses else quality.misses()[:40]
    print(f"misses (expected not in the top 3): {len(quality.misses())}")
    for outcome in misses:
        print(_describe(outcome))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true", help="list every miss (default: the first 40)")
    args = parser.parse_args()
    main(args.misses)

"""Process-wide counters for Prometheus: what this process delivered, and how long it took.

The dispatcher calls ``delivery_marked`` after each mark; ``render`` writes the Prometheus
text exposition format (version 0.0.4) for ``GET /metrics``. Written here, without a client
library: a few counters and one histogram need no dependency. Values live in memory and
start at zero with the process, as Prometheus counters should (``rate()`` handles restarts).
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from core.db.types import utcnow

# seconds from a row's due time to its send: a push is late by this much for its reader
DELIVERY_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
OUTCOMES = ("sent", "failed", "unreachable", "retried", "expired", "skipped", "deferred", "released")

Labels = tuple[tuple[str, str], ...]


class Histogram:
    """Cumulative buckets, sum and count, as Prometheus reads them."""

    def __init__(self, buckets: Sequence[float]) -> None:
        self.bounds = tuple(sorted(buckets))
        self.counts = [0] * len(self.bounds)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
        self.sum += value
        self.count += 1


class Registry:
    """The metrics of one process. Thread-safe: cheap enough, and a scrape may come from anywhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[Labels, float]] = {}
        self.histograms: dict[str, dict[Labels, Histogram]] = {}
        self.help: dict[str, tuple[str, str]] = {}  # name -> (type, help)

    def describe(self, name: str, kind: str, text: str) -> None:
        self.help[name] = (kind, text)

    def inc(self, name: str, labels: Mapping[str, str], amount: float = 1) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self.counters.setdefault(name, {})
            series[key] = series.get(key, 0) + amount

    def observe(self, name: str, labels: Mapping[str, str], value: float,
                buckets: Sequence[float] = DELIVERY_BUCKETS) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self.histograms.setdefault(name, {})
            series.setdefault(key, Histogram(buckets)).observe(value)

    def value(self, name: str, **labels: str) -> float:
        """A counter's value (0 if never counted): for tests and reports."""
        return self.counters.get(name, {}).get(tuple(sorted(labels.items())), 0)

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()
            self.histograms.clear()

    def render(self, gauges: Iterable[tuple[str, str, Mapping[Labels, float]]] = ()) -> str:
        """The text exposition format; ``gauges``: (name, help, {labels: value}) read at scrape time."""
        lines: list[str] = []
        with self._lock:
            for name in sorted(self.help):
                kind, text = self.help[name]
                if kind == "counter":
                    series = self.counters.get(name, {})
                    lines += [f"# HELP {name} {text}", f"# TYPE {name} counter"]
                    lines += [f"{name}{_labels(key)} {_number(value)}" for key, value in sorted(series.items())]
                elif kind == "histogram":
                    histograms = self.histograms.get(name, {})
                    lines += [f"# HELP {name} {text}", f"# TYPE {name} histogram"]
                    for key, histogram in sorted(histograms.items()):
                        for bound, count in zip(histogram.bounds, histogram.counts):
                            lines.append(f"{name}_bucket{_labels(key, le=_number(bound))} {count}")
                        lines.append(f"{name}_bucket{_labels(key, le='+Inf')} {histogram.count}")
                        lines.append(f"{name}_sum{_labels(key)} {_number(histogram.sum)}")
                        lines.append(f"{name}_count{_labels(key)} {histogram.count}")
        for name, text, values in gauges:
            lines += [f"# HELP {name} {text}", f"# TYPE {name} gauge"]
            lines += [f"{name}{_labels(key)} {_number(value)}" for key, value in sorted(values.items())]
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(key: Labels, **extra: str) -> str:
    pairs = [*key, *extra.items()]
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{_escape(str(value))}"' for name, value in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


REGISTRY = Registry()
DELIVERIES = "alumni_deliveries_total"
DELIVERY_SECONDS = "alumni_delivery_seconds"
COMMANDS = "alumni_commands_total"
REGISTRY.describe(DELIVERIES, "counter", "Outbox rows this process finished or put back, by platform and outcome.")
REGISTRY.describe(DELIVERY_SECONDS, "histogram", "Seconds from a push's due time to its send, by platform.")
REGISTRY.describe(COMMANDS, "counter", "Requests (commands, button presses, answers) this process handled, by platform.")


def delivery_marked(outcome: str, platform: str, due_at: datetime | None = None, now: datetime | None = None) -> None:
    """One row marked by the dispatcher (``outcome``: sent, failed, unreachable, retried, ...)."""
    REGISTRY.inc(DELIVERIES, {"platform": platform, "outcome": outcome})
    if outcome == "sent" and due_at is not None:
        REGISTRY.observe(DELIVERY_SECONDS, {"platform": platform},
                         max(0.0, ((now or utcnow()) - due_at).total_seconds()))


def command_handled(platform: str) -> None:
    REGISTRY.inc(COMMANDS, {"platform": platform})

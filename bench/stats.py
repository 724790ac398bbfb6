"""Statistics shared by the benchmarks.

``percentile`` interpolates linearly between the two closest ranks, as numpy's default
(``method="linear"``) does: with ``n`` sorted values the q-th percentile sits at rank
``(n - 1) * q`` (0-based), and a fractional rank is a weighted mix of its two neighbours. The
older ``sorted(v)[int(q * n)]`` picked a neighbour instead, so a p99 over 100 timings was the
maximum and one over 50 the second largest: figures that jumped with the sample size.
"""
from __future__ import annotations

from collections.abc import Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-quantile (0 <= q <= 1, e.g. 0.99 for p99) of ``values``, interpolated.

    No values give NaN (nothing was measured: it compares false with every target)."""
    s = sorted(values)
    if not s:
        return float("nan")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must lie between 0 and 1, not {q}")
    k = (len(s) - 1) * q
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)

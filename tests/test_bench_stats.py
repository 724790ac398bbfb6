"""bench/stats.py percentile: linear interpolation between the closest ranks (numpy's default),
checked against values worked out by hand."""
from __future__ import annotations

import math

import pytest

from bench.stats import percentile


def test_percentile_interpolates_between_the_closest_ranks() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]  # unsorted input is sorted first
    assert percentile(reversed(values), 0.0) == 15.0
    assert percentile(values, 1.0) == 50.0
    assert percentile(values, 0.5) == 35.0  # rank 2 exactly
    assert percentile(values, 0.4) == pytest.approx(29.0)  # rank 1.6: 20 + 0.6 * (35 - 20)
    assert percentile(values, 0.99) == pytest.approx(49.6)  # rank 3.96: 40 + 0.96 * 10


def test_p99_of_a_hundred_values_is_not_the_maximum() -> None:
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 0.99) == pytest.approx(99.01)  # rank 98.01: 99 + 0.01 * 1
    assert percentile(values, 0.5) == pytest.approx(50.5)  # between 50 and 51
    assert percentile([7.0], 0.99) == 7.0


def test_no_values_give_nan_and_a_quantile_outside_zero_one_is_refused() -> None:
    assert math.isnan(percentile([], 0.5))  # nothing measured misses every target
    with pytest.raises(ValueError):
        percentile([1.0], 99)

"""The one percentile definition every bench prints (nearest rank), the summaries built on
it, and the time buckets of the rehearsal's charts."""

from __future__ import annotations

import pytest

from bench.harness.stats import buckets, percentile, summarise


def test_percentiles_are_nearest_rank_values_that_occurred():
    values = list(range(1, 101))

    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_a_percentile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], 95)


def test_points_fall_into_their_time_buckets():
    result = buckets([(0.0, 1.0), (4.9, 2.0), (5.0, 3.0), (99.0, 4.0)], 5.0, 0.0, 10.0)

    assert result == [[1.0, 2.0], [3.0]]


def test_a_percentile_does_not_depend_on_the_order_values_arrive_in():
    assert percentile([30.0, 10.0, 20.0], 0.5) == 20.0
    assert percentile([30.0, 10.0, 20.0], 1.0) == 30.0
    assert percentile([30.0, 10.0, 20.0], 0.0) == 10.0


def test_the_median_of_an_even_count_is_the_lower_middle_value_not_an_average():
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0


def test_a_tail_percentile_of_few_values_is_their_maximum():
    values = [5.0, 1.0, 9.0]

    assert percentile(values, 0.95) == 9.0
    assert percentile(values, 0.99) == 9.0


def test_a_summary_gives_median_tail_and_maximum_of_what_happened():
    summary = summarise([float(v) for v in range(200, 0, -1)])

    assert (summary.count, summary.p50, summary.p95, summary.p99, summary.max) == (
        200,
        100.0,
        190.0,
        198.0,
        200.0,
    )
    assert summary.line() == ("median 100.0 ms, p95 190.0 ms, p99 198.0 ms, max 200.0 ms (n=200)")


def test_a_summary_of_nothing_says_so_instead_of_failing():
    summary = summarise([])

    assert summary.count == 0
    assert summary.p50 is None
    assert summary.max is None
    assert summary.line("s") == "median -, p95 -, p99 -, max - (n=0)"

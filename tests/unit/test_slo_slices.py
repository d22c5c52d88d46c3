"""Time-slice budgeting and threshold SLIs: hand-computed slices, with missing data neither good nor bad."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config.schema import parse_config
from bot.errors import SettingsError
from bot.slo.math import WHOLE_WINDOW, assess
from bot.slo.models import BudgetingMethod, SloStatus
from bot.slo.slices import Grid, measure_scores, ratio_score, threshold_score

FIVE_MINUTES = 300
AT = datetime(2026, 12, 4, 10, 2, 30, tzinfo=UTC)  # 2.5 minutes into a slice: it is not whole yet
LAST = datetime(2026, 12, 4, 10, 0, tzinfo=UTC).timestamp()  # the last whole 5-minute slice ends at 10:00


def ends(count: int) -> list[float]:
    """The last `count` slice ends, oldest first."""
    return [LAST - FIVE_MINUTES * index for index in reversed(range(count))]


def test_an_hour_of_five_minute_slices_with_two_missing_counts_ten() -> None:
    # 12 slices from 09:00 to 10:00: 9 good, 1 bad, 2 without data (Prometheus had no sample).
    scores: dict[float, float | None] = dict.fromkeys(ends(12), 1.0)
    first, second, third = ends(12)[:3]
    scores[first] = scores[second] = None
    scores[third] = 0.0
    grid = Grid(FIVE_MINUTES, AT.timestamp())

    measured = measure_scores(scores, grid, {"1h": timedelta(hours=1), "5m": timedelta(minutes=5)})

    assert (measured["1h"].good, measured["1h"].total) == (9, 10)  # 90 % of slices with data were good
    assert (measured["5m"].good, measured["5m"].total) == (1, 1)  # the 5m window is the last whole slice
    # Objective 95 % of slices: budget 5 %; 10 % bad leaves 1 − 0.10/0.05 = −100 %, and burns 2× over 1h.
    assessment = assess({WHOLE_WINDOW: measured["1h"], "1h": measured["1h"], "5m": measured["5m"]}, 0.95)
    assert assessment.budget_remaining == pytest.approx(-1.0)
    assert assessment.burn_rates["1h"] == pytest.approx(2.0)
    assert assessment.status == SloStatus.FAIL


def test_a_window_shorter_than_a_slice_is_judged_on_the_last_whole_slice() -> None:
    hour = 3600
    grid = Grid(hour, AT.timestamp())
    scores: dict[float, float | None] = {LAST - hour: 1.0, LAST: 0.0}  # 08:00–09:00 good, 09:00–10:00 bad

    measured = measure_scores(scores, grid, {"5m": timedelta(minutes=5), "2h": timedelta(hours=2)})

    assert (measured["5m"].good, measured["5m"].total) == (0, 1)
    assert (measured["2h"].good, measured["2h"].total) == (1, 2)


def test_a_slice_meets_its_target_exactly_and_no_traffic_is_no_data() -> None:
    timeslices = BudgetingMethod.TIMESLICES
    assert ratio_score(950, 1000, method=timeslices, slice_target=0.95) == 1.0  # 95 % reaches 95 %
    assert ratio_score(949, 1000, method=timeslices, slice_target=0.95) == 0.0
    assert ratio_score(0, 0, method=timeslices, slice_target=0.95) is None
    assert ratio_score(None, None, method=timeslices, slice_target=0.95) is None
    assert ratio_score(None, 10, method=timeslices, slice_target=0.95) == 0.0  # traffic, but no good series


def test_ratio_timeslices_average_the_slices_ratios() -> None:
    # Slices of 99/100, 1/2 and 1000/1000: the mean of ratios is (0.99 + 0.5 + 1) / 3 = 83 %,
    # where counting events would give 1100/1102 = 99.8 %: a quiet slice weighs as much as a busy one.
    method = BudgetingMethod.RATIO_TIMESLICES
    slices = [
        ratio_score(99, 100, method=method, slice_target=None),
        ratio_score(1, 2, method=method, slice_target=None),
    ]
    slices.append(ratio_score(1000, 1000, method=method, slice_target=None))
    scores = dict(zip(ends(3), slices, strict=True))

    [measured] = measure_scores(scores, Grid(FIVE_MINUTES, AT.timestamp()), {"15m": timedelta(minutes=15)}).values()

    assert measured.good / measured.total == pytest.approx(0.83)


@pytest.mark.parametrize(
    ("op", "p99", "good"),
    [("lt", 0.299, 1.0), ("lt", 0.3, 0.0), ("lte", 0.3, 1.0), ("gt", 0.3, 0.0), ("gte", 0.3, 1.0), ("gt", 0.31, 1.0)],
)
def test_a_threshold_slice_compares_its_value_with_op_and_value(op: str, p99: float, good: float) -> None:
    assert threshold_score([p99], op=op, value=0.3) == good


def test_a_threshold_slice_is_good_only_if_every_series_meets_it_and_has_no_data_without_one() -> None:
    assert threshold_score([0.1, 0.5], op="lt", value=0.3) == 0.0
    assert threshold_score([], op="lt", value=0.3) is None
    assert threshold_score([float("inf")], op="lt", value=0.3) == 0.0  # above every bucket is slow


def test_a_threshold_slo_in_oncall_config_needs_its_query_op_and_value() -> None:
    config = parse_config(
        """
slos:
  - name: checkout-p99
    service: checkout
    kind: threshold
    objective: 99%
    budgeting: {method: timeslices, slice: 5m}
    source:
      type: prometheus
      url: http://prometheus:9090
      query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[$window])))
      op: lt
      value: 0.3
"""
    )
    [slo] = config.slos
    assert slo.slice_length == timedelta(minutes=5)

    with pytest.raises(SettingsError) as refused:
        parse_config(
            "slos: [{name: a, service: a, kind: threshold, objective: 99%, budgeting: timeslices,"
            " source: {type: prometheus, url: 'http://p:9090', query: up, op: lt, value: 1}}]"
        )
    assert str(refused.value) == (
        "ONCALL_CONFIG: slos[0].budgeting method timeslices needs slice, the length of a time slice (e.g. 5m)"
    )
    with pytest.raises(SettingsError) as refused:
        parse_config(
            "slos: [{name: a, service: a, objective: 99%, budgeting: {method: timeslices, slice: 1m},"
            " source: {type: events}}]"
        )
    assert "budgeting timeslices needs a prometheus source (slices are read with range queries)" in str(refused.value)


def test_two_bad_five_minute_slices_in_an_hour_page_when_the_last_one_is_bad() -> None:
    # docs/slo.md's example: 99 % of 5-minute slices. Over 1h, 2 bad of 12 burn (2/12)/0.01 = 16.7×;
    # the 5m window is the last slice, bad: 1/0.01 = 100×. Both are over 14.4×: the page rule fires.
    scores: dict[float, float | None] = dict.fromkeys(ends(12), 1.0)
    scores[ends(12)[3]] = scores[LAST] = 0.0
    windows = {"1h": timedelta(hours=1), "5m": timedelta(minutes=5), WHOLE_WINDOW: timedelta(days=28)}

    measured = measure_scores(scores, Grid(FIVE_MINUTES, AT.timestamp()), windows)
    assessment = assess(measured, 0.99)

    assert assessment.burn_rates["1h"] == pytest.approx(16.67, abs=0.01)
    assert assessment.burn_rates["5m"] == pytest.approx(100)
    assert assessment.fast_burn
    # The next slice is good: the 5m window no longer burns, so the 14.4× rule stops although the hour still burns.
    scores[LAST + FIVE_MINUTES] = 1.0
    later = Grid(FIVE_MINUTES, AT.timestamp() + FIVE_MINUTES)
    assert not assess(measure_scores(scores, later, windows), 0.99).fast_burn

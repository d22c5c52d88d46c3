"""The SLO maths, pinned with cases worked out by hand (docs/slo.md shows the same numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.slo.math import WHOLE_WINDOW, assess, attainment, budget_remaining, burn_rate, classify, is_fast_burn
from bot.slo.models import Measurement, SloStatus
from bot.slo.sources import impacted_seconds

OBJECTIVE = 0.999  # an error budget of 0.1 %


def whole(good: float, total: float, **shorter: Measurement) -> dict[str, Measurement]:
    return {WHOLE_WINDOW: Measurement(good, total), **shorter}


def test_half_the_budget_spent_leaves_fifty_percent_and_passes() -> None:
    found = assess(whole(999_500, 1_000_000), OBJECTIVE)
    assert found.attainment == pytest.approx(0.9995)
    assert found.budget_remaining == pytest.approx(0.5)
    assert found.burn_rates[WHOLE_WINDOW] == pytest.approx(0.5)
    assert found.status is SloStatus.PASS


def test_twice_the_budget_spent_is_minus_one_hundred_percent_and_fails() -> None:
    found = assess(whole(998_000, 1_000_000), OBJECTIVE)
    assert found.budget_remaining == pytest.approx(-1.0)
    assert found.burn_rates[WHOLE_WINDOW] == pytest.approx(2.0)
    assert found.status is SloStatus.FAIL


def test_exactly_spent_budget_is_at_risk_not_failed() -> None:
    assert budget_remaining(0.999, OBJECTIVE) == pytest.approx(0.0)
    assert assess(whole(999_000, 1_000_000), OBJECTIVE).status is SloStatus.AT_RISK


@pytest.mark.parametrize(
    ("good", "status"),
    [(999_250, SloStatus.PASS), (999_249, SloStatus.AT_RISK), (999_900, SloStatus.PASS), (999_100, SloStatus.AT_RISK)],
)
def test_a_quarter_of_the_budget_left_is_the_edge_between_pass_and_at_risk(good: int, status: SloStatus) -> None:
    assert assess(whole(good, 1_000_000), OBJECTIVE).status is status


def test_no_traffic_in_the_window_has_no_attainment_and_no_status() -> None:
    found = assess(whole(0, 0), OBJECTIVE)
    assert found.attainment is None
    assert found.budget_remaining is None
    assert found.burn_rates[WHOLE_WINDOW] == 0.0  # nothing happened, so nothing burnt
    assert found.status is SloStatus.NO_DATA


def test_a_quiet_hour_burns_nothing() -> None:
    assert burn_rate(Measurement(0, 0), OBJECTIVE) == 0.0
    assert attainment(Measurement(0, 0)) is None


def test_fast_burn_over_the_last_hour_and_five_minutes_puts_a_healthy_slo_at_risk() -> None:
    found = assess(
        whole(
            999_900,
            1_000_000,
            **{"1h": Measurement(9_850, 10_000), "5m": Measurement(980, 1_000)},  # 1.5 % and 2 % errors
        ),
        OBJECTIVE,
    )
    assert found.budget_remaining == pytest.approx(0.9)
    assert found.burn_rates["1h"] == pytest.approx(15.0)
    assert found.burn_rates["5m"] == pytest.approx(20.0)
    assert found.fast_burn
    assert found.status is SloStatus.AT_RISK


def test_a_burn_that_stopped_five_minutes_ago_is_not_fast_any_more() -> None:
    # The hour still shows the burst, but the last five minutes are clean: the short window says it is over.
    assert not is_fast_burn({"1h": 15.0, "5m": 1.0, "6h": 3.0, "30m": 2.0})


def test_six_times_over_six_hours_and_thirty_minutes_is_a_fast_burn() -> None:
    assert is_fast_burn({"1h": 2.0, "5m": 2.0, "6h": 6.5, "30m": 7.0})
    assert not is_fast_burn({"6h": 6.5, "30m": 5.9})


def test_an_overspent_budget_fails_even_while_burning_fast() -> None:
    assert classify(-0.2, fast_burn=True) is SloStatus.FAIL
    assert classify(0.9, fast_burn=True) is SloStatus.AT_RISK
    assert classify(None, fast_burn=False) is SloStatus.NO_DATA


def test_burn_rate_of_one_spends_the_budget_in_exactly_one_window() -> None:
    assert burn_rate(Measurement(999, 1_000), OBJECTIVE) == pytest.approx(1.0)
    assert burn_rate(Measurement(99, 100), 0.99) == pytest.approx(1.0)


START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(days=1)


def hours(first: float, last: float) -> tuple[datetime, datetime]:
    return START + timedelta(hours=first), START + timedelta(hours=last)


def test_an_incident_that_began_before_the_window_counts_only_its_part_inside() -> None:
    assert impacted_seconds([hours(-1, 0.5)], start=START, end=END) == 30 * 60


def test_an_incident_running_past_the_end_of_the_window_counts_up_to_the_end() -> None:
    assert impacted_seconds([hours(23.5, 30)], start=START, end=END) == 30 * 60


def test_overlapping_incidents_count_the_shared_time_once() -> None:
    assert impacted_seconds([hours(1, 3), hours(2, 4), hours(10, 11)], start=START, end=END) == 4 * 3600


def test_an_incident_outside_the_window_costs_nothing() -> None:
    assert impacted_seconds([hours(-5, -1), hours(25, 26)], start=START, end=END) == 0

"""`retention:` in ONCALL_CONFIG: on by default, each horizon changed or turned off, a mistake refused in one line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.schema import parse_config
from tests.helpers import config_refusal


@pytest.mark.parametrize("text", ["", "retention:\n", "retention: {}\n", "alerts: {}\n"])
def test_no_section_or_an_empty_one_keeps_the_documented_defaults(text: str) -> None:
    retention = parse_config(text).retention
    assert retention.processed_events == timedelta(days=1)
    assert retention.outbox == timedelta(days=7)
    assert retention.alerts == timedelta(days=30)
    assert (retention.slo_hourly_after, retention.slo_daily_after) == (timedelta(days=7), timedelta(days=90))
    assert retention.slo_events == timedelta(days=1)
    assert retention.reminders == timedelta(days=30)
    assert (retention.batch_size, retention.batches_per_tick) == (500, 10)


@pytest.mark.parametrize("off", ["off", "null", "'off'", "never", "Off"])
def test_each_horizon_can_be_turned_off(off: str) -> None:
    retention = parse_config(f"retention:\n  alerts: {off}\n  slo_hourly_after: {off}\n  outbox: 2w\n").retention
    assert retention.alerts is None and retention.slo_hourly_after is None
    assert retention.outbox == timedelta(weeks=2) and retention.slo_daily_after == timedelta(days=90)


@pytest.mark.parametrize(
    ("text", "starts", "says"),
    [
        ("retention:\n  alerts: 30\n", "ONCALL_CONFIG: retention.alerts ", "write a duration like 30d, or off"),
        ("retention:\n  alerts: soon\n", "ONCALL_CONFIG: retention.alerts ", "'soon' is not a horizon"),
        ("retention:\n  outbox: yes\n", "ONCALL_CONFIG: retention.outbox ", "is not a horizon"),
        ("retention:\n  processed_events: 1h\n", "ONCALL_CONFIG: retention ", "at least 1d"),
        ("retention:\n  slo_daily_after: 3d\n", "ONCALL_CONFIG: retention ", "must be longer than slo_hourly_after"),
        ("retention:\n  keep_alerts: 3d\n", "ONCALL_CONFIG: retention.keep_alerts ", "not a known setting"),
        ("retention:\n  batch_size: 1\n", "ONCALL_CONFIG: retention.batch_size ", "greater than or equal to 10"),
        ("retention: 30d\n", "ONCALL_CONFIG: retention ", "must be a mapping of horizons"),
    ],
)
def test_a_bad_value_is_refused_in_one_line_naming_the_key_and_the_fix(text: str, starts: str, says: str) -> None:
    line = config_refusal(text)
    assert line.startswith(starts) and says in line

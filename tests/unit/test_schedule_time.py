"""Durations and cadences: what people write, and when retros land, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.reminders.retros import plan
from bot.values.cadence import Cadence, local_start
from bot.values.durations import format_duration, parse_duration

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("5d", timedelta(days=5)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(minutes=90)),
        (" 2W ", timedelta(weeks=2)),
    ],
)
def test_durations_in_every_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "15", "2x", "1.5h", "-1h", "0m", "soon"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_weekly_retro_keeps_its_local_time_across_both_dst_changes() -> None:
    spring = Cadence(local_start("2026-03-22T10:00", MADRID), timedelta(weeks=1), 3)
    assert [f"{date:%Y-%m-%d %H:%M %Z}" for date in spring.occurrences()] == [
        "2026-03-22 10:00 CET",
        "2026-03-29 10:00 CEST",  # clocks went forward that night
        "2026-04-05 10:00 CEST",
    ]
    autumn = Cadence(local_start("2026-10-18T10:00", MADRID), timedelta(weeks=1), 2)
    assert [f"{date:%Y-%m-%d %H:%M %Z}" for date in autumn.occurrences()] == [
        "2026-10-18 10:00 CEST",
        "2026-10-25 10:00 CET",
    ]


def test_fortnightly_and_daily_cadences_skip_the_days_between() -> None:
    fortnight = Cadence(local_start("2026-12-01T10:00", MADRID), timedelta(weeks=2), 3)
    assert [date.date().isoformat() for date in fortnight.occurrences()] == ["2026-12-01", "2026-12-15", "2026-12-29"]
    every_third_day = Cadence(local_start("2026-12-30T09:00", MADRID), timedelta(days=3), 3)
    assert [date.date().isoformat() for date in every_third_day.occurrences()] == [
        "2026-12-30",
        "2027-01-02",
        "2027-01-05",
    ]


def test_hourly_cadence_counts_real_hours_over_the_dst_change() -> None:
    hours = Cadence(local_start("2026-03-29T00:00", MADRID), timedelta(hours=12), 2)
    first, second = hours.occurrences()
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=12)
    assert f"{second:%H:%M %Z}" == "13:00 CEST"


def test_a_cadence_ends_after_its_count_and_next_after_says_so() -> None:
    cadence = Cadence(local_start("2026-12-01T10:00", MADRID), timedelta(weeks=1), 2)
    last = list(cadence.occurrences())[-1]
    assert cadence.next_after(last) is None
    assert cadence.next_after(local_start("2026-12-03T00:00", MADRID)) == last


def test_plan_refuses_bad_input_in_one_line() -> None:
    with pytest.raises(UserError, match="not a start time"):
        plan(start="next monday", cadence="1w", count=None, zone=MADRID)
    with pytest.raises(UserError, match="not a duration"):
        plan(start="2026-12-01T10:00", cadence="fortnightly", count=None, zone=MADRID)
    assert len(plan(start="2026-12-01T10:00", cadence="1w", count=None, zone=MADRID)) == 20


def _walked(cadence: Cadence, moment: datetime) -> datetime | None:
    return next((fire for fire in cadence.occurrences() if fire > moment), None)


@pytest.mark.parametrize("every", [timedelta(minutes=7), timedelta(hours=5), timedelta(days=3), timedelta(weeks=2)])
@pytest.mark.parametrize("count", [None, 40])
def test_the_next_retro_is_found_without_walking_every_past_one_and_agrees_with_walking(
    every: timedelta, count: int | None
) -> None:
    zone = ZoneInfo("Europe/Madrid")
    cadence = Cadence(datetime(2026, 2, 20, 10, 0, tzinfo=zone), every, count)
    # across both DST changes of 2026, before the start, and after a counted cadence has ended
    for moment in (
        datetime(2026, 1, 1, tzinfo=zone),
        datetime(2026, 3, 29, 1, 59, tzinfo=zone),
        datetime(2026, 3, 29, 10, 0, tzinfo=zone),
        datetime(2026, 10, 25, 2, 30, tzinfo=zone),
        datetime(2027, 6, 1, 12, 0, tzinfo=zone),
    ):
        assert cadence.next_after(moment) == _walked(cadence, moment), moment

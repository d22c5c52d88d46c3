"""Calendar SLO windows: the current month, quarter, week or year in the SLO's zone, real lengths, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config.schema import parse_config
from bot.errors import SettingsError
from bot.slo.calendar import CalendarWindow
from bot.slo.math import budget_remaining
from bot.slo.models import SloDefinition

MADRID = "Europe/Madrid"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_february_is_28_days_and_29_in_a_leap_year() -> None:
    month = CalendarWindow(calendar="month")

    february = month.period(utc(2026, 2, 10, 12))
    assert (february.start, february.end, february.label) == (utc(2026, 2, 1), utc(2026, 3, 1), "February")
    assert february.length == timedelta(days=28)
    assert (february.days(), february.days_in(utc(2026, 2, 10, 12))) == (28, 10)
    assert month.period(utc(2028, 2, 29, 23, 59)).length == timedelta(days=29)


def test_the_month_clocks_go_forward_is_an_hour_short_and_the_one_they_go_back_an_hour_long() -> None:
    month = CalendarWindow(calendar="month", timezone=MADRID)

    # Madrid: 1 March 00:00 is CET (UTC+1), 1 April 00:00 CEST (UTC+2); 29 March has 23 hours.
    march = month.period(utc(2026, 3, 29, 12))
    assert (march.start, march.end) == (utc(2026, 2, 28, 23), utc(2026, 3, 31, 22))
    assert march.length == timedelta(days=31) - timedelta(hours=1)
    assert march.days() == 31
    # 25 October has 25 hours: October is 31 days and an hour.
    october = month.period(utc(2026, 10, 26))
    assert (october.start, october.end) == (utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))
    assert october.length == timedelta(days=31, hours=1)


def test_a_quarter_turns_at_local_midnight_not_at_utc_midnight() -> None:
    quarter = CalendarWindow(calendar="quarter", timezone=MADRID)

    # 31 March 23:59 in Madrid is 21:59 UTC: still Q1, which began 1 January 00:00 CET (31 Dec 23:00 UTC).
    q1 = quarter.period(utc(2026, 3, 31, 21, 59))
    assert (q1.label, q1.start, q1.end) == ("Q1 2026", utc(2025, 12, 31, 23), utc(2026, 3, 31, 22))
    assert q1.length == timedelta(days=31 + 28 + 31) - timedelta(hours=1)
    # Two minutes later (00:01 on 1 April in Madrid) it is Q2, while UTC still reads 31 March.
    q2 = quarter.period(utc(2026, 3, 31, 22, 1))
    assert (q2.label, q2.start) == ("Q2 2026", utc(2026, 3, 31, 22))
    assert q2.days() == 30 + 31 + 30


def test_weeks_start_on_monday_and_years_on_the_first_of_january() -> None:
    # Friday 4 December 2026: the week began on Monday 30 November.
    week = CalendarWindow(calendar="week").period(utc(2026, 12, 4, 3))
    assert (week.label, week.start, week.end) == ("Week of 30 Nov", utc(2026, 11, 30), utc(2026, 12, 7))
    year = CalendarWindow(calendar="year", timezone=MADRID).period(utc(2026, 12, 4))
    assert (year.label, year.start, year.days()) == ("2026", utc(2025, 12, 31, 23), 365)


def test_an_openslo_start_time_anchors_the_periods_on_its_day() -> None:
    # Months from the 15th; a start on the 31st falls on the last day of shorter months.
    month = CalendarWindow(calendar="month", start=datetime(2026, 1, 15, 6))
    period = month.period(utc(2026, 3, 1))
    assert (period.start, period.end) == (utc(2026, 2, 15, 6), utc(2026, 3, 15, 6))
    assert period.label == "15 Feb – 15 Mar"
    end_of_month = CalendarWindow(calendar="month", start=datetime(2026, 1, 31)).period(utc(2026, 2, 28, 12))
    assert (end_of_month.start, end_of_month.end) == (utc(2026, 2, 28), utc(2026, 3, 31))


def test_a_calendar_slo_is_judged_on_its_period_so_far() -> None:
    slo = SloDefinition.model_validate(
        {
            "name": "checkout",
            "service": "checkout",
            "objective": "99.9%",
            "window": {"calendar": "month", "timezone": MADRID},
            "source": {"type": "events"},
        }
    )
    at = utc(2026, 12, 29, 10)  # 11:00 in Madrid, the 29th
    assert slo.measured_window(at) == timedelta(days=28, hours=11)  # since 1 December 00:00 CET
    assert slo.span == timedelta(days=31, hours=1)  # what history and charts cover
    # December so far: 99.93 % of 1,000,000 requests good leaves 1 − 0.07/0.1 = 30 % of the budget.
    assert budget_remaining(0.9993, slo.target) == pytest.approx(0.30)


def test_a_calendar_window_is_written_in_oncall_config_and_a_bad_zone_names_the_key() -> None:
    config = parse_config(
        """
slos:
  - name: checkout
    service: checkout
    objective: 99.9%
    window: {calendar: quarter, timezone: Europe/Madrid}
    source: {type: events}
  - name: search
    service: search
    objective: 99%
    window: month
    source: {type: events}
"""
    )
    quarter, month = (slo.calendar for slo in config.slos)
    assert quarter == CalendarWindow(calendar="quarter", timezone=MADRID)
    assert month == CalendarWindow(calendar="month", timezone="UTC")

    with pytest.raises(SettingsError) as refused:
        parse_config(
            "slos: [{name: a, service: a, objective: 99%, source: {type: events},"
            " window: {calendar: month, timezone: Mars/Olympus}}]"
        )
    assert str(refused.value) == (
        "ONCALL_CONFIG: slos[0].window timezone 'Mars/Olympus' is not an IANA time zone (like Europe/Madrid)"
    )


def test_a_calendar_day_is_23_or_25_hours_on_the_days_the_clocks_change() -> None:
    day = CalendarWindow(calendar="day", timezone=MADRID)

    spring = day.period(utc(2026, 3, 29, 12))
    assert (spring.label, spring.start, spring.length) == ("29 Mar", utc(2026, 3, 28, 23), timedelta(hours=23))
    autumn = day.period(utc(2026, 10, 25, 12))
    assert (autumn.start, autumn.length, autumn.days()) == (utc(2026, 10, 24, 22), timedelta(hours=25), 1)

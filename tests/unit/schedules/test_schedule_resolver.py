"""Who is on call, computed by hand: rotations, layers, restrictions, overrides, and the days clocks change."""

from __future__ import annotations

import time as stopwatch
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedules.clock import instant
from bot.schedules.models import Layer, Override, Restriction, Schedule, Shift
from bot.schedules.resolver import OnCall, on_call, shifts

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
WEEK, DAY, HOUR = timedelta(weeks=1), timedelta(days=1), timedelta(hours=1)
WEEKDAYS = frozenset(range(5))


def at(text: str, zone: ZoneInfo = MADRID) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(found: list[Shift], zone: ZoneInfo = MADRID) -> list[tuple[str, str, str]]:
    """Shifts as people read them: local start, local end, who."""
    return [
        (f"{s.start.astimezone(zone):%a %d %H:%M}", f"{s.end.astimezone(zone):%a %d %H:%M}", ",".join(s.people))
        for s in found
    ]


def schedule(*layers: Layer, zone: ZoneInfo = MADRID) -> Schedule:
    return Schedule("payments", zone, layers)


def test_a_weekly_rotation_of_three_hands_over_every_monday_and_comes_back_round() -> None:
    primary = schedule(Layer("primary", ("A", "B", "C"), datetime(2026, 12, 7, 9), WEEK))

    found = shifts(primary, [], at("2026-12-07T00:00"), at("2027-01-05T00:00"))

    assert local(found) == [
        ("Mon 07 00:00", "Mon 07 09:00", ""),  # before the layer starts nobody holds it
        ("Mon 07 09:00", "Mon 14 09:00", "A"),
        ("Mon 14 09:00", "Mon 21 09:00", "B"),
        ("Mon 21 09:00", "Mon 28 09:00", "C"),
        ("Mon 28 09:00", "Mon 04 09:00", "A"),
        ("Mon 04 09:00", "Tue 05 00:00", "B"),
    ]
    assert on_call(primary, [], at("2026-12-16T15:30")) == OnCall(("B",), at("2026-12-21T09:00"))
    assert on_call(primary, [], at("2026-12-01T12:00")) == OnCall((), at("2026-12-07T09:00"))


def _follow_the_sun(zone: ZoneInfo) -> Schedule:
    # One definition, read in two zones: the weekly hand-off is on Sunday at 09:00 local time.
    return schedule(Layer("primary", ("A", "B", "C"), datetime(2026, 10, 18, 9), WEEK), zone=zone)


def test_a_week_across_the_end_of_dst_in_europe_and_then_in_the_us_keeps_0900_local_on_both() -> None:
    window = (z("2026-10-18T00:00"), z("2026-11-09T00:00"))
    madrid = shifts(_follow_the_sun(MADRID), [], *window)
    new_york = shifts(_follow_the_sun(NEW_YORK), [], *window)

    # Madrid's clocks go back on Sunday 25 October, New York's a week later on Sunday 1 November.
    assert [(s.start, s.people) for s in madrid[1:]] == [
        (z("2026-10-18T07:00"), ("A",)),  # 09:00 CEST
        (z("2026-10-25T08:00"), ("B",)),  # 09:00 CET, a few hours after the change
        (z("2026-11-01T08:00"), ("C",)),
        (z("2026-11-08T08:00"), ("A",)),
    ]
    assert [(s.start, s.people) for s in new_york[1:]] == [
        (z("2026-10-18T13:00"), ("A",)),  # 09:00 EDT
        (z("2026-10-25T13:00"), ("B",)),  # still EDT: five hours after Madrid that week, not six
        (z("2026-11-01T14:00"), ("C",)),  # 09:00 EST
        (z("2026-11-08T14:00"), ("A",)),
    ]
    # The week with the extra hour is 169 hours long, each in its own zone's week.
    assert [s.end - s.start for s in madrid[1:3]] == [WEEK + HOUR, WEEK]
    assert [s.end - s.start for s in new_york[1:3]] == [WEEK, WEEK + HOUR]
    assert {f"{s.start.astimezone(MADRID):%H:%M}" for s in madrid[1:]} == {"09:00"}
    assert {f"{s.start.astimezone(NEW_YORK):%H:%M}" for s in new_york[1:]} == {"09:00"}


def test_three_layers_with_restrictions_and_overrides() -> None:
    payments = schedule(
        Layer("primary", ("A", "B", "C"), datetime(2026, 12, 7, 9), WEEK),
        Layer("business-hours", ("D", "E"), datetime(2026, 12, 7, 9), DAY, (Restriction(WEEKDAYS, time(9), time(17)),)),
        # Friday and Saturday nights, each window running into the next morning.
        Layer(
            "weekend-nights", ("F",), datetime(2026, 12, 7), WEEK, (Restriction(frozenset({4, 5}), time(22), time(6)),)
        ),
    )
    overrides = [  # oldest first: a later one wins where they overlap
        Override(("I",), at("2026-12-11T16:00"), at("2026-12-12T02:00"), 1),
        Override(("G",), at("2026-12-09T12:00"), at("2026-12-10T12:00"), 2),
        Override(("H",), at("2026-12-10T10:00"), at("2026-12-10T11:00"), 3),
    ]

    found = shifts(payments, overrides, at("2026-12-07T00:00"), at("2026-12-14T12:00"))

    assert local(found) == [
        ("Mon 07 00:00", "Mon 07 09:00", ""),
        ("Mon 07 09:00", "Mon 07 17:00", "D"),  # business hours win over the primary
        ("Mon 07 17:00", "Tue 08 09:00", "A"),  # and let it show through out of hours
        ("Tue 08 09:00", "Tue 08 17:00", "E"),
        ("Tue 08 17:00", "Wed 09 09:00", "A"),
        ("Wed 09 09:00", "Wed 09 12:00", "D"),
        ("Wed 09 12:00", "Thu 10 10:00", "G"),  # an override wins over every layer
        ("Thu 10 10:00", "Thu 10 11:00", "H"),  # and the later of two overlapping overrides wins
        ("Thu 10 11:00", "Thu 10 12:00", "G"),
        ("Thu 10 12:00", "Thu 10 17:00", "E"),
        ("Thu 10 17:00", "Fri 11 09:00", "A"),
        ("Fri 11 09:00", "Fri 11 16:00", "D"),
        ("Fri 11 16:00", "Sat 12 02:00", "I"),  # over business hours, the primary and the night layer
        ("Sat 12 02:00", "Sat 12 06:00", "F"),
        ("Sat 12 06:00", "Sat 12 22:00", "A"),  # business hours are weekdays only
        ("Sat 12 22:00", "Sun 13 06:00", "F"),
        ("Sun 13 06:00", "Mon 14 09:00", "A"),  # nothing on Sunday night: the restriction lists fri and sat
        ("Mon 14 09:00", "Mon 14 12:00", "E"),  # B took the primary at 09:00, but business hours win
    ]
    assert on_call(payments, overrides, at("2026-12-12T03:00")) == OnCall(("F",), at("2026-12-12T06:00"))
    assert on_call(payments, overrides, at("2026-12-10T10:30")) == OnCall(("H",), at("2026-12-10T11:00"))


def test_spring_forward_day_is_23_hours_and_fall_back_day_25() -> None:
    daily = schedule(Layer("daily", ("A", "B"), datetime(2027, 3, 1), DAY))

    [spring] = [s for s in shifts(daily, [], at("2027-03-27T12:00"), at("2027-03-29T12:00")) if s.people == ("B",)]
    [autumn] = [s for s in shifts(daily, [], at("2027-10-30T12:00"), at("2027-11-01T12:00")) if s.people == ("A",)]

    assert (spring.start, spring.end) == (at("2027-03-28T00:00"), at("2027-03-29T00:00"))
    assert spring.end - spring.start == 23 * HOUR
    assert (autumn.start, autumn.end) == (at("2027-10-31T00:00"), at("2027-11-01T00:00"))
    assert autumn.end - autumn.start == 25 * HOUR


def test_a_whole_year_has_one_short_and_one_long_day_in_madrid() -> None:
    daily = schedule(Layer("daily", ("A", "B"), datetime(2027, 1, 1), DAY))

    lengths = [s.end - s.start for s in shifts(daily, [], at("2027-01-01T00:00"), at("2028-01-01T00:00"))]

    assert (len(lengths), lengths.count(23 * HOUR), lengths.count(25 * HOUR)) == (365, 1, 1)


def test_a_hand_off_at_a_time_the_clocks_skip_happens_when_they_jump() -> None:
    # 02:30 does not exist on 28 March 2027 in Madrid (02:00 CET becomes 03:00 CEST): the hand-off is at 03:00.
    daily = schedule(Layer("daily", ("A", "B"), datetime(2027, 3, 20, 2, 30), DAY))

    found = shifts(daily, [], z("2027-03-27T00:00"), z("2027-03-29T12:00"))

    assert [(s.start, s.people) for s in found[1:]] == [
        (z("2027-03-27T01:30"), ("B",)),  # 02:30 CET
        (z("2027-03-28T01:00"), ("A",)),  # 03:00 CEST, the instant the clocks jump
        (z("2027-03-29T00:30"), ("B",)),  # 02:30 CEST
    ]


def test_a_hand_off_at_a_time_that_happens_twice_is_at_its_first_occurrence() -> None:
    daily = schedule(Layer("daily", ("A", "B"), datetime(2027, 10, 25, 2, 30), DAY))

    assert on_call(daily, [], z("2027-10-31T00:00")).until == z("2027-10-31T00:30")  # 02:30 CEST, not CET


def test_a_window_inside_the_skipped_hour_is_cut_to_what_the_clocks_show() -> None:
    early = Restriction(frozenset({6}), time(2, 30), time(3, 15))
    sunday = schedule(Layer("early", ("A",), datetime(2027, 3, 1), WEEK, (early,)))

    found = [s for s in shifts(sunday, [], z("2027-03-27T00:00"), z("2027-03-29T00:00")) if s.people]

    assert [(s.start, s.end) for s in found] == [(z("2027-03-28T01:00"), z("2027-03-28T01:15"))]  # 03:00–03:15 CEST


def test_rotations_shorter_than_a_day_run_in_elapsed_time_across_dst() -> None:
    halves = schedule(Layer("halves", ("A", "B"), datetime(2026, 10, 24, 9), timedelta(hours=12)))

    found = shifts(halves, [], at("2026-10-24T09:00"), at("2026-10-26T00:00"))

    assert [f"{s.start.astimezone(MADRID):%d %H:%M}" for s in found] == ["24 09:00", "24 21:00", "25 08:00", "25 20:00"]
    assert {s.end - s.start for s in found[:-1]} == {12 * HOUR}


def test_an_overnight_restriction_belongs_to_the_day_it_opens() -> None:
    nights = Restriction(frozenset({0}), time(22), time(6))  # Monday night only
    layer = schedule(Layer("nights", ("N",), datetime(2026, 12, 1), WEEK, (nights,)))

    found = [s for s in shifts(layer, [], at("2026-12-06T00:00"), at("2026-12-16T00:00")) if s.people]

    assert local(found) == [("Mon 07 22:00", "Tue 08 06:00", "N"), ("Mon 14 22:00", "Tue 15 06:00", "N")]


def test_one_person_alone_is_on_call_for_good_and_overrides_still_end() -> None:
    alone = schedule(Layer("solo", ("A",), datetime(2026, 1, 1), timedelta(hours=1)))
    cover = [Override(("B",), at("2026-12-24T18:00"), at("2026-12-26T09:00"))]

    assert on_call(alone, [], at("2026-12-24T12:00")) == OnCall(("A",), None)
    assert on_call(alone, cover, at("2026-12-24T12:00")) == OnCall(("A",), at("2026-12-24T18:00"))
    assert on_call(alone, cover, at("2026-12-25T12:00")) == OnCall(("B",), at("2026-12-26T09:00"))


def test_an_override_of_the_same_person_merges_with_their_shift() -> None:
    primary = schedule(Layer("primary", ("A", "B"), datetime(2026, 12, 7, 9), WEEK))
    extend = [Override(("A",), at("2026-12-14T09:00"), at("2026-12-15T09:00"))]

    found = shifts(primary, extend, at("2026-12-08T00:00"), at("2026-12-16T00:00"))

    assert local(found) == [("Tue 08 00:00", "Tue 15 09:00", "A"), ("Tue 15 09:00", "Wed 16 00:00", "B")]


def test_times_without_a_zone_are_refused() -> None:
    primary = schedule(Layer("primary", ("A",), datetime(2026, 12, 7, 9), WEEK))
    with pytest.raises(ValueError, match="no time zone"):
        on_call(primary, [], datetime(2026, 12, 8, 9))


def test_ten_years_of_a_restricted_weekly_rotation_resolves_without_walking_minutes() -> None:
    payments = schedule(
        Layer("primary", ("A", "B", "C"), datetime(2026, 12, 7, 9), WEEK),
        Layer("business-hours", ("D",), datetime(2026, 12, 7, 9), WEEK, (Restriction(WEEKDAYS, time(9), time(17)),)),
    )
    began = stopwatch.perf_counter()

    found = shifts(payments, [], at("2026-12-07T09:00"), at("2036-12-07T09:00"))

    # 3653 days from a Monday, 521 weeks and 6 days: a business-hours shift and a primary one per weekday.
    # Minute by minute it would be 5 million steps.
    assert len(found) == 2 * (521 * 5 + 5)
    assert stopwatch.perf_counter() - began < 10
    assert instant(datetime(2036, 12, 7, 9), MADRID) == found[-1].end


def test_in_the_repeated_hour_the_hand_off_made_at_its_first_pass_holds() -> None:
    daily = schedule(Layer("daily", ("A", "B"), datetime(2027, 10, 25, 2, 30), DAY))
    second_0220 = z("2027-10-31T01:20")  # 02:20 CET, the clocks' second pass through 02:20

    # The 02:30 hand-off already happened at 02:30 CEST (00:30 UTC), on the first pass.
    assert on_call(daily, [], second_0220) == OnCall(("A",), z("2027-11-01T01:30"))
    assert on_call(daily, [], z("2027-10-31T00:20")) == OnCall(("B",), z("2027-10-31T00:30"))


def test_the_day_samoa_skipped_hands_over_when_its_clocks_reached_the_next_day() -> None:
    apia = ZoneInfo("Pacific/Apia")  # 30 December 2011 never happened there: the 29th ended at the 31st
    daily = schedule(Layer("daily", ("A", "B", "C"), datetime(2011, 12, 29, 9), DAY), zone=apia)

    found = shifts(daily, [], at("2011-12-29T09:00", apia), at("2012-01-01T09:00", apia))

    assert local(found, apia) == [
        ("Thu 29 09:00", "Sat 31 00:00", "A"),  # the 30th's 09:00 hand-off is at the first moment after it
        ("Sat 31 00:00", "Sat 31 09:00", "B"),
        ("Sat 31 09:00", "Sun 01 09:00", "C"),
    ]
    assert found[0].end - found[0].start == timedelta(hours=15)

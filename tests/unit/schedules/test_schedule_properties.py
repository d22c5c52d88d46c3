"""What holds for every schedule (hypothesis): shifts tile a window, overrides win only where they are,
splitting a window changes nothing, `until` is where the shift ends, and days are as long as the clocks say."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.schedules.models import Layer, Override, Schedule, Shift
from bot.schedules.resolver import on_call, shifts
from tests.unit.schedules.strategies import MIDNIGHTS, PROPERTIES, Case, cases, merged, ranges_near


def clipped(found: list[Shift], begins: datetime, ends: datetime) -> list[Shift]:
    return [Shift(max(s.start, begins), min(s.end, ends), s.people) for s in found if s.start < ends and s.end > begins]


@PROPERTIES
@given(cases())
def test_shifts_tile_the_window_without_gaps_or_overlaps(case: Case) -> None:
    found = shifts(case.schedule, case.overrides, *case.window)

    assert found[0].start == case.window[0] and found[-1].end == case.window[1]
    for earlier, later in itertools.pairwise(found):
        assert earlier.end == later.start  # no gap, no overlap
        assert earlier.people != later.people  # maximal: the same people touching are one shift


@PROPERTIES
@given(cases(), st.data())
def test_an_override_wins_inside_its_range_and_changes_nothing_outside(case: Case, data: st.DataObject) -> None:
    (low, high), (begins, ends) = case.window, data.draw(ranges_near(case.window))
    cover = Override(("Z",), begins, ends, "newest")  # nobody else is Z: its shifts are its own

    before = shifts(case.schedule, case.overrides, low, high)
    after = shifts(case.schedule, [*case.overrides, cover], low, high)

    inside = (max(begins, low), min(ends, high))
    if inside[0] < inside[1]:
        assert clipped(after, *inside) == [Shift(*inside, ("Z",))]
    assert clipped(after, low, begins) == clipped(before, low, begins)
    assert clipped(after, ends, high) == clipped(before, ends, high)


@PROPERTIES
@given(cases(), st.floats(0, 1))
def test_splitting_a_window_never_changes_the_answer(case: Case, where: float) -> None:
    (low, high), tiny = case.window, timedelta(microseconds=1)
    middle = min(max(low + (high - low) * where, low + tiny), high - tiny)
    if not low < middle < high:
        return  # a window of a microsecond or two has nowhere to split

    halves = shifts(case.schedule, case.overrides, low, middle) + shifts(case.schedule, case.overrides, middle, high)

    assert merged(halves) == shifts(case.schedule, case.overrides, low, high)


@PROPERTIES
@given(cases(), st.floats(0, 1))
def test_on_call_is_the_shift_containing_the_moment_and_until_is_where_it_ends(case: Case, where: float) -> None:
    low, high = case.window
    moment = min(low + (high - low) * where, high - timedelta(microseconds=1))
    [containing] = [s for s in shifts(case.schedule, case.overrides, low, high) if s.start <= moment < s.end]

    answer = on_call(case.schedule, case.overrides, moment)

    assert answer.people == containing.people
    if containing.end < high:
        assert answer.until == containing.end
    else:  # the window cut the shift: it ends at or after the window's end
        assert answer.until is None or answer.until >= high


def _clock_changes(zone: ZoneInfo, year: int) -> list[date]:
    """The days of `year` on which the zone's clocks change (between that noon and the one before)."""
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
    return [
        day
        for day in days[1:]
        if datetime.combine(day, time(12), zone).utcoffset()
        != datetime.combine(day - timedelta(days=1), time(12), zone).utcoffset()
    ]


@st.composite
def days_in_zones(draw: st.DrawFn) -> tuple[ZoneInfo, date]:
    zone = ZoneInfo(draw(st.sampled_from(MIDNIGHTS)))
    year = draw(st.integers(2000, 2037))
    # Mostly the days the clocks change: a day drawn at random would be one only twice a year.
    changes = _clock_changes(zone, year)
    any_day = st.dates(date(year, 1, 1), date(year, 12, 31))
    return zone, draw(st.one_of(st.sampled_from(changes), st.sampled_from(changes), any_day) if changes else any_day)


@PROPERTIES
@given(days_in_zones())
def test_a_day_is_as_long_as_the_clocks_make_it(zone_and_day: tuple[ZoneInfo, date]) -> None:
    zone, day = zone_and_day
    daily = Schedule("daily", zone, (Layer("daily", ("A", "B"), datetime(1999, 12, 31), timedelta(days=1)),))
    noon = datetime.combine(day, time(12), zone)

    [shift] = [
        s for s in shifts(daily, [], noon - timedelta(days=1), noon + timedelta(days=1)) if s.start <= noon < s.end
    ]

    midnight, next_midnight = (
        datetime.combine(day, time(), zone),
        datetime.combine(day + timedelta(days=1), time(), zone),
    )
    assert (shift.start, shift.end) == (midnight, next_midnight)
    offsets = next_midnight.utcoffset(), midnight.utcoffset()
    assert offsets[0] is not None and offsets[1] is not None
    # 23 hours the day clocks go forward, 25 the day they go back, else 24.
    assert shift.end - shift.start == timedelta(hours=24) - (offsets[0] - offsets[1])
    if day in _clock_changes(zone, day.year):
        assert shift.end - shift.start in (timedelta(hours=23), timedelta(hours=25))

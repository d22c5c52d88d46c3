"""What holds for every schedule (hypothesis): shifts tile a window, overrides win only where they are,
splitting a window changes nothing, `until` is where the shift ends, and days are as long as the clocks say."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.schedules.models import CalendarLayer, Layer, Override, Restriction, Schedule, Shift
from bot.schedules.resolver import on_call, shifts

# Reproducible in CI: the same examples every run, no example database in the work tree.
PROPERTIES = settings(
    derandomize=True, database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
# Zones with DST either way, none, a 45-minute offset, a southern-hemisphere summer, and the day Samoa skipped.
ZONES = [
    "Europe/Madrid",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "America/Santiago",
    "Europe/Dublin",
    "UTC",
    "Pacific/Apia",
]
# Zones whose clocks change away from midnight, so every local midnight exists.
MIDNIGHTS = ["Europe/Madrid", "America/New_York", "Australia/Sydney", "Europe/London", "America/Los_Angeles"]
BASE = datetime(2027, 1, 1)
PEOPLE = ("A", "B", "C", "D")
ROTATIONS = [timedelta(minutes=90), timedelta(hours=8), timedelta(hours=36), timedelta(days=1), timedelta(weeks=1)]
ROTATIONS += [timedelta(days=2), timedelta(weeks=2)]


@dataclass(frozen=True)
class Events:
    """A calendar layer's source: fixed events, possibly overlapping (a real ShiftSource, not a stand-in)."""

    events: tuple[Shift, ...]

    def between(self, start: datetime, end: datetime) -> Sequence[Shift]:
        return [event for event in self.events if event.start < end and event.end > start]


quarter_hours = st.integers(0, 95).map(lambda n: time(n // 4, n % 4 * 15))
restrictions = st.builds(
    Restriction, st.frozensets(st.integers(0, 6), min_size=1), quarter_hours, quarter_hours
).filter(lambda r: r.start != r.end)
minutes = st.integers(-60 * 24 * 60, 60 * 24 * 120).map(lambda n: timedelta(minutes=n))
rotations = st.builds(
    Layer,
    st.just("rotation"),
    st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4).map(tuple),
    minutes.map(lambda offset: BASE + offset),
    st.sampled_from(ROTATIONS),
    st.lists(restrictions, max_size=2).map(tuple),
)


def _instants(draw: st.DrawFn, span_days: int = 150) -> tuple[datetime, datetime]:
    begins = BASE.replace(tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, span_days * 24 * 60)))
    return begins, begins + timedelta(minutes=draw(st.integers(1, 10 * 24 * 60)))


@st.composite
def calendars(draw: st.DrawFn) -> CalendarLayer:
    events = []
    for _ in range(draw(st.integers(0, 6))):
        begins, ends = _instants(draw)
        events.append(Shift(begins, ends, tuple(draw(st.sets(st.sampled_from(PEOPLE), min_size=1)))))
    return CalendarLayer("calendar", Events(tuple(events)), tuple(draw(st.lists(restrictions, max_size=1))))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    layers = draw(st.lists(st.one_of(rotations, rotations, calendars()), min_size=1, max_size=3))
    return Schedule("s", ZoneInfo(draw(st.sampled_from(ZONES))), tuple(layers))


@st.composite
def overrides(draw: st.DrawFn) -> list[Override]:
    found = []
    for number in range(draw(st.integers(0, 3))):
        begins, ends = _instants(draw)
        found.append(Override(tuple(draw(st.sets(st.sampled_from(PEOPLE), min_size=1))), begins, ends, number))
    return found


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, datetime]:
    begins = BASE.replace(tzinfo=UTC) + timedelta(minutes=draw(st.integers(-30 * 24 * 60, 160 * 24 * 60)))
    return begins, begins + timedelta(minutes=draw(st.integers(1, 21 * 24 * 60)))


def merged(found: list[Shift]) -> list[Shift]:
    """Touching shifts with the same people as one, as the resolver gives them."""
    result: list[Shift] = []
    for shift in found:
        if result and result[-1].people == shift.people and result[-1].end == shift.start:
            result[-1] = Shift(result[-1].start, shift.end, shift.people)
        else:
            result.append(shift)
    return result


def clipped(found: list[Shift], begins: datetime, ends: datetime) -> list[Shift]:
    return [Shift(max(s.start, begins), min(s.end, ends), s.people) for s in found if s.start < ends and s.end > begins]


@PROPERTIES
@given(schedules(), overrides(), windows())
def test_shifts_tile_the_window_without_gaps_or_overlaps(
    schedule: Schedule, changes: list[Override], window: tuple[datetime, datetime]
) -> None:
    found = shifts(schedule, changes, *window)

    assert found[0].start == window[0] and found[-1].end == window[1]
    for earlier, later in itertools.pairwise(found):
        assert earlier.end == later.start  # no gap, no overlap
        assert earlier.people != later.people  # maximal: the same people touching are one shift


@PROPERTIES
@given(schedules(), overrides(), windows(), st.data())
def test_an_override_wins_inside_its_range_and_changes_nothing_outside(
    schedule: Schedule, changes: list[Override], window: tuple[datetime, datetime], data: st.DataObject
) -> None:
    begins, ends = _instants(data.draw)
    cover = Override(("Z",), begins, ends, "newest")  # nobody else is Z: its shifts are its own

    before = shifts(schedule, changes, *window)
    after = shifts(schedule, [*changes, cover], *window)

    inside = (max(begins, window[0]), min(ends, window[1]))
    if inside[0] < inside[1]:
        assert clipped(after, *inside) == [Shift(*inside, ("Z",))]
    assert clipped(after, window[0], begins) == clipped(before, window[0], begins)
    assert clipped(after, ends, window[1]) == clipped(before, ends, window[1])


@PROPERTIES
@given(schedules(), overrides(), windows(), st.floats(0, 1))
def test_splitting_a_window_never_changes_the_answer(
    schedule: Schedule, changes: list[Override], window: tuple[datetime, datetime], where: float
) -> None:
    middle = window[0] + (window[1] - window[0]) * where
    middle = min(max(middle, window[0] + timedelta(microseconds=1)), window[1] - timedelta(microseconds=1))
    if not window[0] < middle < window[1]:
        return  # a one-microsecond window has nowhere to split

    halves = shifts(schedule, changes, window[0], middle) + shifts(schedule, changes, middle, window[1])

    assert merged(halves) == shifts(schedule, changes, *window)


@PROPERTIES
@given(schedules(), overrides(), windows(), st.floats(0, 1))
def test_on_call_is_the_shift_containing_the_moment_and_until_is_where_it_ends(
    schedule: Schedule, changes: list[Override], window: tuple[datetime, datetime], where: float
) -> None:
    moment = min(window[0] + (window[1] - window[0]) * where, window[1] - timedelta(microseconds=1))
    [containing] = [s for s in shifts(schedule, changes, *window) if s.start <= moment < s.end]

    answer = on_call(schedule, changes, moment)

    assert answer.people == containing.people
    if containing.end < window[1]:
        assert answer.until == containing.end
    else:  # the window cut the shift: it ends at or after the window's end
        assert answer.until is None or answer.until >= window[1]


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

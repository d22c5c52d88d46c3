"""Hypothesis strategies for schedules: rotations, calendar layers, restrictions, overrides and windows
in zones whose clocks change in every way they do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.schedules.models import CalendarLayer, Layer, Override, Restriction, Schedule, Shift

# Reproducible in CI: the same examples every run, no example database in the work tree.
PROPERTIES = settings(
    derandomize=True, database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
# Zones with DST either way (Dublin's is negative), none, a 45-minute offset, a southern-hemisphere summer,
# and Santiago's clocks changing at midnight.
ZONES = [
    "Europe/Madrid",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "America/Santiago",
    "Europe/Dublin",
    "UTC",
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
# Any two quarter hours: an end before the start is overnight, an end at the start the whole day.
restrictions = st.builds(Restriction, st.frozensets(st.integers(0, 6), min_size=1), quarter_hours, quarter_hours)


@dataclass(frozen=True)
class Case:
    """A schedule, its overrides (oldest first) and a window to resolve, all drawn near one another."""

    schedule: Schedule
    overrides: list[Override]
    window: tuple[datetime, datetime]


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, datetime]:
    # Over a year and more, so windows cross both of every zone's clock changes.
    begins = BASE.replace(tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 400 * 24 * 60)))
    return begins, begins + timedelta(minutes=draw(st.integers(1, 21 * 24 * 60)))


def near(draw: st.DrawFn, window: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    """A range overlapping the window, or just beside it."""
    length = int((window[1] - window[0]) / timedelta(minutes=1))
    begins = window[0] + timedelta(minutes=draw(st.integers(-3 * 24 * 60, length + 24 * 60)))
    return begins, begins + timedelta(minutes=draw(st.integers(1, 5 * 24 * 60)))


@st.composite
def ranges_near(draw: st.DrawFn, window: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    """`near` as a strategy, for a test drawing from `st.data()`."""
    return near(draw, window)


def _people(draw: st.DrawFn) -> tuple[str, ...]:
    return tuple(draw(st.sets(st.sampled_from(PEOPLE), min_size=1)))


def _rotation(draw: st.DrawFn, window: tuple[datetime, datetime]) -> Layer:
    # Mostly started long before the window (a rotation many turns in), sometimes inside it.
    start = window[0].replace(tzinfo=None) + timedelta(minutes=draw(st.integers(-90 * 24 * 60, 5 * 24 * 60)))
    return Layer(
        "rotation",
        tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
        start,
        draw(st.sampled_from(ROTATIONS)),
        tuple(draw(st.lists(restrictions, max_size=2))),
    )


def _calendar(draw: st.DrawFn, window: tuple[datetime, datetime]) -> CalendarLayer:
    events = tuple(Shift(*near(draw, window), _people(draw)) for _ in range(draw(st.integers(0, 6))))
    return CalendarLayer("calendar", Events(events), tuple(draw(st.lists(restrictions, max_size=1))))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    window = draw(windows())
    layers = [
        _calendar(draw, window) if draw(st.integers(0, 2)) == 0 else _rotation(draw, window)
        for _ in range(draw(st.integers(1, 3)))
    ]
    changes = [Override(_people(draw), *near(draw, window), number) for number in range(draw(st.integers(0, 3)))]
    return Case(Schedule("s", ZoneInfo(draw(st.sampled_from(ZONES))), tuple(layers)), changes, window)


def merged(found: list[Shift]) -> list[Shift]:
    """Touching shifts with the same people as one, as the resolver gives them."""
    result: list[Shift] = []
    for shift in found:
        if result and result[-1].people == shift.people and result[-1].end == shift.start:
            result[-1] = Shift(result[-1].start, shift.end, shift.people)
        else:
            result.append(shift)
    return result

"""What a schedule is: layers of people in rotation, their restrictions, overrides, and the shifts they add up to.

Every instant here is an aware datetime (the resolver works in UTC); every wall-clock time (a layer's
start, a restriction's hours) is naive and read in the schedule's zone, by bot/schedules/clock.py's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order


@dataclass(frozen=True)
class Shift:
    """A time range [start, end) and who is on call in it; no people means nobody (a gap)."""

    start: datetime
    end: datetime
    people: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a shift starts and ends at instants with a time zone")
        if self.end <= self.start:
            raise ValueError("a shift ends after it starts")


@dataclass(frozen=True)
class Restriction:
    """A daily window of local time on each of `days` (0 = Monday … 6 = Sunday).

    The window opens at `start` on a listed day and closes at `end` the same day; an `end` at or before
    `start` closes it the next day (22:00–06:00 on fri is Friday night into Saturday morning, and
    00:00–00:00 is the whole day). A window belongs to the day it opens on.
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError("a restriction lists at least one day, each 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("a restriction's hours are local times, without a time zone")

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Layer:
    """People taking turns: person i of n holds the layer from start + k·rotation for every k ≡ i (mod n).

    `start` is a local wall time in the schedule's zone. A rotation of whole days or weeks advances in
    local time (the hand-off stays at 09:00 across DST); a shorter one (8h, 36h) in elapsed time.
    """

    name: str
    users: tuple[str, ...]
    start: datetime
    rotation: timedelta
    restrictions: tuple[Restriction, ...] = ()

    def __post_init__(self) -> None:
        if not self.users:
            raise ValueError(f"layer {self.name!r} has nobody in it")
        if self.start.tzinfo is not None:
            raise ValueError(f"layer {self.name!r} starts at a wall time of the schedule's zone, without a zone")
        if self.rotation <= timedelta():
            raise ValueError(f"layer {self.name!r} rotates after a positive duration")


class ShiftSource(Protocol):
    """Where a calendar layer's shifts come from (bot/schedules/ical.py's IcalSource, or anything alike)."""

    def between(self, start: datetime, end: datetime) -> Sequence[Shift]:
        """Every shift overlapping [start, end); they may overlap each other (both people are on call)."""
        ...


@dataclass(frozen=True)
class NoShifts:
    """A calendar not fetched yet (or that failed to): the layer is empty until it is."""

    def between(self, start: datetime, end: datetime) -> Sequence[Shift]:
        return ()


@dataclass(frozen=True)
class CalendarLayer:
    """A layer whose shifts come from a calendar instead of a rotation (a team's existing iCal feed)."""

    name: str
    source: ShiftSource = field(default_factory=NoShifts)
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True)
class Override:
    """People on call for [start, end) whatever the layers say: a swap, a cover, a manual override.

    Among overlapping overrides the one created last wins: the resolver takes them in the order given,
    so callers pass them oldest first (by id or creation time).
    """

    people: tuple[str, ...]
    start: datetime
    end: datetime
    id: int | str | None = None

    def __post_init__(self) -> None:
        if not self.people:
            raise ValueError("an override names at least one person")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("an override starts and ends at instants with a time zone")
        if self.end <= self.start:
            raise ValueError("an override ends after it starts")


@dataclass(frozen=True)
class Schedule:
    """A named schedule: ordered layers (a later layer with someone on call wins), in one time zone."""

    name: str
    zone: ZoneInfo
    layers: tuple[Layer | CalendarLayer, ...]
    channel: str | None = None  # where hand-offs are posted
    usergroup: str | None = None  # handle of the Slack user group kept equal to who is on call
    notify_before: timedelta | None = None  # how long before a shift its person gets a DM; None: no DM

    def people(self) -> frozenset[str]:
        """Everyone the rotations name (calendar layers name theirs only when asked about a time)."""
        return frozenset(user for layer in self.layers if isinstance(layer, Layer) for user in layer.users)

    def renamed(self, names: Mapping[str, str]) -> Schedule:
        """The same schedule with people renamed, e.g. e-mail addresses replaced by the Slack user ids
        users.lookupByEmail found; people not in `names` stay as they are."""
        layers: list[Layer | CalendarLayer] = []
        for layer in self.layers:
            if isinstance(layer, Layer):
                layers.append(replace(layer, users=tuple(names.get(user, user) for user in layer.users)))
            else:
                layers.append(replace(layer, source=_Renamed(layer.source, dict(names))))
        return replace(self, layers=tuple(layers))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a dict is neither hashable nor cheap to compare
class _Renamed:
    source: ShiftSource
    names: dict[str, str]

    def between(self, start: datetime, end: datetime) -> Sequence[Shift]:
        return [
            replace(shift, people=_unique(self.names.get(person, person) for person in shift.people))
            for shift in self.source.between(start, end)
        ]


def _unique(people: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(people))

"""Who is on call: the one resolver every feature asks (commands, hand-offs, paging, exports, pages).

The answer is a pure function of the schedule, its overrides and the time. It never walks time in small
steps: each layer yields the intervals it is held in a window, computed from its hand-off boundaries and
its restriction windows, and the window is cut only where one of those begins or ends. Resolving 14 days
of a weekly rotation looks at a handful of boundaries, not 20,160 minutes.

Priority, lowest first: the layers in order (a later layer wins where it has someone on call, and lets
the earlier ones show through its gaps), then the overrides in the order given (the last one wins).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.schedules.clock import DAY, instant, utc, wall
from bot.schedules.models import CalendarLayer, Layer, Override, Restriction, Schedule, Shift

# How far on_call looks for the next change before it says "no change in sight" (until=None).
HORIZON = timedelta(days=366)

# [start, end) and who holds it; every list of these is sorted and non-overlapping.
_Interval = tuple[datetime, datetime, tuple[str, ...]]


@dataclass(frozen=True)
class OnCall:
    """Who is on call at a moment, and until when: the next instant that answer changes (None: not within
    the horizon asked, e.g. a one-person layer without restrictions)."""

    people: tuple[str, ...]
    until: datetime | None


def shifts(schedule: Schedule, overrides: Sequence[Override], start: datetime, end: datetime) -> list[Shift]:
    """The shifts tiling [start, end): maximal ranges with the same people, gaps included (no people).

    Instants are UTC; the first and last shift are cut at the window's edges. Empty for an empty window.
    """
    low, high = utc(start), utc(end)
    if high <= low:
        return []
    sources = [_layer(layer, schedule.zone, low, high) for layer in schedule.layers]
    for override in overrides:
        begins, ends = utc(override.start), utc(override.end)
        if begins < high and ends > low:
            sources.append([(max(begins, low), min(ends, high), override.people)])
    return _merged(_paint(sources, low, high))


def layer_shifts(schedule: Schedule, start: datetime, end: datetime) -> list[list[Shift]]:
    """Each layer on its own in [start, end), in the schedule's order: when it is held and by whom (its gaps
    left out), before priorities and overrides are applied. What a timeline draws a row per layer from."""
    low, high = utc(start), utc(end)
    if high <= low:
        return [[] for _ in schedule.layers]
    return [
        [shift for shift in _merged(_layer(layer, schedule.zone, low, high)) if shift.people]
        for layer in schedule.layers
    ]


def on_call(schedule: Schedule, overrides: Sequence[Override], at: datetime, *, horizon: timedelta = HORIZON) -> OnCall:
    """Who is on call at `at`, and until when (the end of the shift `at` is in)."""
    moment = utc(at)
    span = DAY
    while True:
        # Growing windows: the next change is usually within a day, and is found without resolving a year.
        ahead = min(span, horizon)
        found = shifts(schedule, overrides, moment, moment + ahead)
        if len(found) > 1:
            return OnCall(found[0].people, found[0].end)
        if ahead >= horizon:
            return OnCall(found[0].people, None)
        span *= 4


def _layer(layer: Layer | CalendarLayer, zone: ZoneInfo, low: datetime, high: datetime) -> list[_Interval]:
    held = _rotation(layer, zone, low, high) if isinstance(layer, Layer) else _calendar(layer, low, high)
    if not layer.restrictions:
        return held
    return _within(held, _windows(layer.restrictions, zone, low, high))


def _rotation(layer: Layer, zone: ZoneInfo, low: datetime, high: datetime) -> list[_Interval]:
    first = instant(layer.start, zone)
    if high <= first:
        return []
    count = len(layer.users)
    if count == 1:  # nobody to hand off to: one interval, however short the rotation
        return [(max(low, first), high, layer.users)]
    boundary = _boundaries(layer, zone, first)
    # Jump straight to the turn holding `low`. In wall-clock time that turn never starts after `low` (instant()
    # is monotonic), but in the repeated hour of a fall-back night the next turn may already have begun.
    if low <= first:
        turn = 0
    elif layer.rotation % DAY == timedelta():
        turn = max(0, (wall(low, zone) - layer.start) // layer.rotation)
    else:
        turn = (low - first) // layer.rotation
    while boundary(turn + 1) <= low:
        turn += 1
    held: list[_Interval] = []
    begins = max(low, boundary(turn))
    while begins < high:
        ends = boundary(turn + 1)
        if ends > begins:
            held.append((begins, min(ends, high), (layer.users[turn % count],)))
        begins, turn = max(begins, ends), turn + 1
    return held


def _boundaries(layer: Layer, zone: ZoneInfo, first: datetime) -> Callable[[int], datetime]:
    """The instant of the k-th hand-off: whole days and weeks in wall-clock time, the rest in elapsed time."""
    if layer.rotation % DAY == timedelta():
        return lambda turn: instant(layer.start + layer.rotation * turn, zone)
    return lambda turn: first + layer.rotation * turn


def _calendar(layer: CalendarLayer, low: datetime, high: datetime) -> list[_Interval]:
    """A calendar's events as non-overlapping intervals: where events overlap, all their people are on call."""
    changes: list[tuple[datetime, int, tuple[str, ...]]] = []
    for shift in layer.source.between(low, high):
        begins, ends = max(utc(shift.start), low), min(utc(shift.end), high)
        if begins < ends and shift.people:
            changes += [(begins, 1, shift.people), (ends, -1, shift.people)]
    changes.sort(key=lambda change: change[0])
    active: Counter[str] = Counter()
    held: list[_Interval] = []
    for index, (moment, delta, people) in enumerate(changes):
        for person in people:
            active[person] += delta
        # Several events may start or end at one moment: the interval begins once the last of them is counted.
        following = changes[index + 1][0] if index + 1 < len(changes) else high
        present = tuple(sorted(person for person, times in active.items() if times > 0))
        if following > moment and present:
            held.append((moment, following, present))
    return held


def _windows(restrictions: Iterable[Restriction], zone: ZoneInfo, low: datetime, high: datetime) -> list[_Interval]:
    """The restriction windows overlapping [low, high), as merged instant ranges."""
    found: list[tuple[datetime, datetime]] = []
    # From the day before: a window opening late yesterday may still be open.
    day = wall(low, zone).date() - DAY
    last = wall(high, zone).date()
    while day <= last:
        for restriction in restrictions:
            if day.weekday() in restriction.days:
                closes_on = day + DAY if restriction.overnight else day
                opens = instant(datetime.combine(day, restriction.start), zone)
                closes = instant(datetime.combine(closes_on, restriction.end), zone)
                if max(opens, low) < min(closes, high):
                    found.append((max(opens, low), min(closes, high)))
        day += DAY
    found.sort()
    merged: list[_Interval] = []
    for opens, closes in found:
        if merged and opens <= merged[-1][1]:  # overlapping or touching windows are one
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes), ())
        else:
            merged.append((opens, closes, ()))
    return merged


def _within(held: list[_Interval], windows: list[_Interval]) -> list[_Interval]:
    """The parts of `held` inside `windows` (both sorted and non-overlapping)."""
    kept: list[_Interval] = []
    index = 0
    for begins, ends, people in held:
        while index < len(windows) and windows[index][1] <= begins:
            index += 1
        scan = index
        while scan < len(windows) and windows[scan][0] < ends:
            opens, closes, _ = windows[scan]
            if max(begins, opens) < min(ends, closes):
                kept.append((max(begins, opens), min(ends, closes), people))
            scan += 1
    return kept


def _paint(sources: list[list[_Interval]], low: datetime, high: datetime) -> list[_Interval]:
    """Cut [low, high) at every edge of every source; each piece gets the highest-priority source holding it."""
    cuts = sorted({low, high, *(edge for source in sources for begins, ends, _ in source for edge in (begins, ends))})
    positions = [0] * len(sources)
    pieces: list[_Interval] = []
    for begins, ends in itertools.pairwise(cuts):
        people: tuple[str, ...] = ()
        for index in reversed(range(len(sources))):
            source, position = sources[index], positions[index]
            while position < len(source) and source[position][1] <= begins:
                position += 1
            positions[index] = position
            if position < len(source) and source[position][0] <= begins:
                people = source[position][2]
                break
        pieces.append((begins, ends, people))
    return pieces


def _merged(pieces: list[_Interval]) -> list[Shift]:
    merged: list[_Interval] = []
    for piece in pieces:
        if merged and merged[-1][2] == piece[2] and merged[-1][1] == piece[0]:
            merged[-1] = (merged[-1][0], piece[1], piece[2])
        else:
            merged.append(piece)
    return [Shift(begins, ends, people) for begins, ends, people in merged]

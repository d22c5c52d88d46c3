"""Wall-clock times of a zone and the instants they name, including on the days the clocks change.

A schedule is written in local time (a 09:00 hand-off stays at 09:00 in summer and winter), but the
resolver compares instants. `instant` is the one bridge, and it is monotonic (a later wall time never
names an earlier instant) so that windows and rotations written in local time never turn inside out:

- A wall time the clocks skip (02:30 on a spring-forward night in Europe, when 02:00 becomes 03:00)
  names the instant the clocks jump: the first moment at which the wall clock reads 02:30 or later.
  zoneinfo alone would shift it forward by the gap (03:30), after 03:00's own instant, which would make
  a 02:30–03:15 window end before it starts.
- A wall time that happens twice (02:30 on a fall-back night) names its first occurrence (fold=0).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


def instant(wall_time: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a naive local `wall_time` in `zone` names (see the module's rules for DST days)."""
    if wall_time.tzinfo is not None:
        raise ValueError("a wall-clock time has no time zone of its own")
    first = wall_time.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall_time.replace(fold=0):
        return first
    # Skipped by the clocks: fold=1 reads it with the offset after the jump, which lands before the jump;
    # fold=0 with the offset before it, which lands after. The jump lies between, on a whole second.
    low = int(wall_time.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp()) + 1
    before = _offset(low, zone)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _offset(timestamp: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, UTC).astimezone(zone).utcoffset()


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """What a clock in `zone` reads at the aware `moment`, as a naive datetime."""
    return utc(moment).astimezone(zone).replace(tzinfo=None, fold=0)


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC: the resolver compares instants only (same-zone datetimes compare wall times)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone: give an instant, e.g. with +01:00 or in UTC")
    return moment.astimezone(UTC)

"""The clocks the bot reads, and the simulated one the demo swaps in for them.

Services read "now" through `storage.types.utcnow`; the outbox paces Slack calls by `monotonic()`
here. Both are the machine's clocks unless `simulated(clock)` is in force: then a story's minutes
pass at once, and every reminder, SLO window and pacing budget sees them pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from storage import types

_monotonic: Callable[[], float] = time.monotonic


def monotonic() -> float:
    """Seconds for pacing: `time.monotonic()`, or the simulated clock's."""
    return _monotonic()


def utcnow() -> datetime:
    """Now, for callers outside the services (handlers never import storage): `storage.types.utcnow`."""
    return types.utcnow()


class SimulatedClock:
    """Real time flowing from `start`, moved forward at will; it never goes back."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)
        self._advanced = 0.0  # monotonic time measures intervals: only the jumps forward count

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def timestamp(self) -> float:
        return self.now().timestamp()

    def monotonic(self) -> float:
        return time.monotonic() + self._advanced

    def advance_to(self, moment: datetime) -> None:
        jump = max(timedelta(), moment - self.now())
        self._offset += jump
        self._advanced += jump.total_seconds()


@contextmanager
def simulated(clock: SimulatedClock) -> Iterator[None]:
    """Meanwhile the whole process runs on `clock` (the demo is a process of its own)."""
    global _monotonic
    previous, _monotonic = _monotonic, clock.monotonic
    try:
        with types.running_on(clock.now):
            yield
    finally:
        _monotonic = previous

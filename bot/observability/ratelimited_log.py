"""A log line that says itself at most once per interval, with how many it held back.

For what strangers can trigger at will (refused requests): one line per request would let a flood of
requests become a flood of log.
"""

from __future__ import annotations

import logging
import time


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, *, every_seconds: float) -> None:
        self._logger = logger
        self._every = every_seconds
        self._next_at = 0.0
        self._held_back = 0

    def warning(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now < self._next_at:
            self._held_back += 1
            return
        if self._held_back:
            message += " (and %d more like it since the last line)"
            args = (*args, self._held_back)
        self._logger.warning(message, *args)
        self._next_at, self._held_back = now + self._every, 0

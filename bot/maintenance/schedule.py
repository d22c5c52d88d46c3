"""Which occurrence of a scheduled window is on now: the leader's tick starts it (once, keyed by name and start)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config.maintenance import MaintenanceWindowConfig
from bot.values.crontab import next_run


def current_start(window: MaintenanceWindowConfig, zone: ZoneInfo, *, now: datetime) -> datetime | None:
    """The start of the occurrence that covers `now`, or None between occurrences.

    The first start strictly after `now - duration` is the only one whose span can still cover `now`; a tick
    that missed a start (the bot was down) still starts the occurrence while it has time left.
    """
    start = next_run(window.cron, zone, after=now - window.duration)
    return start if start is not None and start <= now else None


def current_end(window: MaintenanceWindowConfig, start: datetime) -> datetime:
    return start + window.duration

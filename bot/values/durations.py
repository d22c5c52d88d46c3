"""Durations as people write them in config and commands: `15m`, `2h`, `5d`, `2w`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.texts.reminders import duration_too_long, not_a_duration, not_a_positive_duration

_PART = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """A positive duration; ValueError with a message people can act on otherwise."""
    cleaned = str(text).strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(not_a_duration(text))
    total = timedelta()
    try:
        for amount, unit in _PART.findall(cleaned):
            total += timedelta(**{_UNITS[unit]: int(amount)})
    except (OverflowError, ValueError):
        raise ValueError(duration_too_long(text)) from None
    if total <= timedelta():
        raise ValueError(not_a_positive_duration(text))
    return total


def format_duration(value: timedelta) -> str:
    """The shortest way to write it back: 14 days → `2w`, 90 minutes → `1h30m`."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"

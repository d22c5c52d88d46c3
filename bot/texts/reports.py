"""Reports: `oncall-bot report`, `/report` and the posted review (docs/reports.md)."""

from __future__ import annotations

PERIODS = ("7d", "30d", "90d")
USAGE = "`/report [7d|30d|90d] [service]`"
CLI_PERIOD = "--period is 7d, 30d or 90d, or give --from and --to as dates (like 2026-11-01)"


def bad_period(text: str) -> str:
    return f"{text!r} is not a report period: use 7d, 30d or 90d, or a from/to pair of dates (like 2026-11-01)."


def bad_date(option: str, text: str) -> str:
    return f"{option} {text!r} is not a date: write it as YYYY-MM-DD, like 2026-11-01."


def backwards(start: str, end: str) -> str:
    return f"--from {start} is not before --to {end}: give the earlier date first."


def too_long(days: int, most: int) -> str:
    return f"a report covers at most {most} days, not {days}: narrow --from/--to."


def private_title(number: int) -> str:
    """A private incident is counted, and listed by number only: its title stays in its channel."""
    return f"INC-{number} (private)"


def heading(period: str, service: str | None) -> str:
    return f"Operations review, {period}" + (f", service {service}" if service else "")


NO_ZONE = "zone unknown: the bot's timezone is used"

"""Retention (`retention:` in ONCALL_CONFIG) and `oncall-bot db stats`: what the operator reads."""

from __future__ import annotations


def not_a_horizon(value: object) -> str:
    return f"{str(value)[:40]!r} is not a horizon: write a duration like 30d, or off to keep these rows for good"


NOT_A_SECTION = "must be a mapping of horizons, like `alerts: 30d`, or empty for the defaults (docs/configuration.md)"


def processed_events_too_short(shortest: str) -> str:
    return (
        f"processed_events must be at least {shortest} (or off): Slack's retries and the SLO API's"
        " Idempotency-Key are recognised for that long"
    )


def daily_before_hourly(hourly: str, daily: str) -> str:
    return (
        f"slo_daily_after ({daily}) must be longer than slo_hourly_after ({hourly}):"
        " evaluations go from hourly to daily, not the other way"
    )


STATS_TITLE = "Tables"
STATS_COLUMNS = ("TABLE", "ROWS", "SIZE")
STATS_TOTAL = "total"
SQLITE_SIZES_FROM_PAGES = "sizes from page counts: this SQLite has no dbstat table, so tables are not told apart"


def stats_where(database: str) -> str:
    return f"database: {database}"

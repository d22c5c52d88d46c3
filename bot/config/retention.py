"""The `retention:` section of ONCALL_CONFIG: how long the tables that grow by themselves keep their rows.

bot/config/schema.py adds it as `retention: RetentionConfig`. No section, or an empty one, keeps the documented
defaults: retention is on unless an operator turns a horizon `off`. docs/configuration.md ("retention") documents
each key; bot/retention deletes what is past them on the scheduler leader's tick. Incidents, timelines,
postmortems and follow-ups have no key: they are never deleted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator

from bot.texts import retention as texts
from bot.values.durations import format_duration, parse_duration
from bot.values.fields import Strict

# Slack retries an event for about an hour and a replayed command is refused for five minutes; a pushed SLO
# measurement's Idempotency-Key is promised a day (bot/slo/events.py): a shorter horizon would break that promise.
SHORTEST_PROCESSED_EVENTS = timedelta(days=1)


def _horizon(value: Any) -> timedelta | None:
    # YAML reads a bare `off` as false: both it and null mean "keep these rows for good".
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in ("off", "never")):
        return None
    if value is True or isinstance(value, (int, float)):
        raise ValueError(texts.not_a_horizon(value))
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(str(value))
    except ValueError:
        raise ValueError(texts.not_a_horizon(value)) from None


# A duration (`30d`), or `off`/null: written back as typed, so `docs/configuration.md`'s defaults read back alike.
Horizon = Annotated[
    timedelta | None,
    BeforeValidator(_horizon),
    PlainSerializer(lambda value: "off" if value is None else format_duration(value), when_used="json"),
]


class RetentionConfig(Strict):
    """Each horizon is how long a row is kept once it can no longer matter; `off` keeps it for good."""

    # Slack event ids, trigger ids and Idempotency-Keys seen, so that a retry or a replay is recognised.
    processed_events: Horizon = timedelta(days=1)
    # Outbox entries performed (dead ones stay, for `oncall-bot outbox retry`).
    outbox: Horizon = timedelta(days=7)
    # Alert groups attached to no incident whose alerts are all resolved, with their alerts, from the last change.
    alerts: Horizon = timedelta(days=30)
    # SLO evaluations are kept one per hour past this, then one per day past slo_daily_after (charts keep working).
    slo_hourly_after: Horizon = timedelta(days=7)
    slo_daily_after: Horizon = timedelta(days=90)
    # Pushed SLO events: kept this long past the longest window any SLO measures (they are summed over it).
    slo_events: Horizon = timedelta(days=1)
    # Reminder rows that can no longer be sent (closed incidents, done follow-ups), from when that became so.
    reminders: Horizon = timedelta(days=30)
    # Rows deleted per transaction, and transactions per tick: short locks, a short tick.
    batch_size: int = Field(default=500, ge=10, le=10_000)
    batches_per_tick: int = Field(default=10, ge=1, le=1_000)

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, data: Any) -> Any:
        if not isinstance(data, (dict, RetentionConfig)):
            raise ValueError(texts.NOT_A_SECTION)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> RetentionConfig:
        if self.processed_events is not None and self.processed_events < SHORTEST_PROCESSED_EVENTS:
            raise ValueError(texts.processed_events_too_short(format_duration(SHORTEST_PROCESSED_EVENTS)))
        hourly, daily = self.slo_hourly_after, self.slo_daily_after
        if hourly is not None and daily is not None and daily <= hourly:
            raise ValueError(texts.daily_before_hourly(format_duration(hourly), format_duration(daily)))
        return self

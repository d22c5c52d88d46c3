"""Measurements pushed for SLOs whose source is `events`."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UserError
from bot.slo.models import EventsSource, SloDefinition
from storage.queries import idempotency
from storage.queries import slos as queries
from storage.tables import SloEvent

# Clocks disagree a little; a measurement from further ahead is a mistake, not skew.
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)
# The counters are 32-bit columns on PostgreSQL; a larger push is a sender's mistake (a cumulative
# counter sent where a delta belongs, a unit error) and must be refused, not half-stored.
MAX_COUNT = 2**31 - 1
# A retried push with the same Idempotency-Key within this long is recognised and not counted again.
IDEMPOTENCY_WINDOW = timedelta(days=1)


class EventsIn(BaseModel):
    """`{"good": int, "total": int, "at": optional ISO time}`: counts since the sender's last push."""

    model_config = ConfigDict(extra="forbid", strict=True)

    good: int = Field(ge=0, le=MAX_COUNT)
    total: int = Field(ge=0, le=MAX_COUNT)
    at: AwareDatetime | None = Field(default=None, json_schema_extra={"format": "date-time"})

    @model_validator(mode="before")
    @classmethod
    def _parse_time(cls, data: object) -> object:
        # Strict mode keeps "5" from passing as 5, but times arrive as ISO strings in JSON.
        if isinstance(data, dict) and isinstance(data.get("at"), str):
            try:
                return {**data, "at": datetime.fromisoformat(data["at"].replace("Z", "+00:00"))}
            except ValueError:
                raise ValueError("at must be an ISO 8601 time with an offset, like 2026-12-01T09:00:00Z") from None
        return data

    @model_validator(mode="after")
    def _good_within_total(self) -> EventsIn:
        if self.good > self.total:
            raise ValueError(f"good ({self.good}) cannot exceed total ({self.total})")
        return self


class NotAnEventsSlo(UserError):
    def __init__(self, definition: SloDefinition) -> None:
        super().__init__(texts.slo.not_an_events_slo(definition.name, definition.source.type))


async def record(
    *,
    session: AsyncSession,
    definition: SloDefinition,
    events: EventsIn,
    now: datetime,
    idempotency_key: str | None = None,
) -> SloEvent | None:
    """Store one pushed measurement for the SLO's next evaluations; None when it is a retry already stored."""
    if not isinstance(definition.source, EventsSource):
        raise NotAnEventsSlo(definition)
    at = events.at or now
    if at > now + ALLOWED_CLOCK_SKEW:
        raise UserError(texts.slo.in_the_future(at))
    if idempotency_key is not None:
        key = f"slo-push:{definition.name}:{idempotency_key}"
        if not await idempotency.claim_key(session, key, now=now, keep=IDEMPOTENCY_WINDOW):
            return None
    return await queries.insert_event(
        session, SloEvent(slo=definition.name, at=at, good=events.good, total=events.total, received_at=now)
    )

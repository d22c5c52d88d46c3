"""The normalized Alert every webhook parser produces, and the error a malformed payload raises."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from bot import texts
from bot.errors import UserError


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class AlertIn(BaseModel):
    """One alert as a source reported it, upserted by (source, fingerprint)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    fingerprint: str
    status: AlertStatus
    labels: dict[str, str]
    annotations: dict[str, str]
    summary: str
    description: str = ""
    runbook_url: str | None = None
    severity: str | None = None
    starts_at: AwareDatetime
    # False when the source gave no start (the generic format may omit it): `starts_at` is then when it
    # was received, and a resend while the alert is stored as firing is that same firing, not a new one.
    starts_at_given: bool = True
    ends_at: AwareDatetime | None = None
    generator_url: str | None = None
    # Pages beyond the runbook and generator_url, label → URL, in the order the source gave them.
    links: dict[str, str] = Field(default_factory=dict)
    group_key: str | None = None

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        # Stored and compared in UTC whatever offset the source used.
        return None if value is None else value.astimezone(UTC)


class PayloadError(UserError):
    """A webhook body was valid JSON of the wrong shape; the message names the field."""

    def __init__(self, field: str, problem: str = "is missing") -> None:
        super().__init__(texts.alerts.payload_problem(field, problem))
        self.field = field

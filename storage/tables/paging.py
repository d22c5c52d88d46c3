"""Table models of paging: escalations (each a timer that survives restarts) and the pages they sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.enums import EscalationState
from storage.types import EnumText, UTCDateTime, utcnow


class Escalation(SQLModel, table=True):
    """One incident's escalation: the policy as it was when it started, where it is, and when it goes on."""

    __tablename__ = "escalations"
    # Any replica claims due rows: state and next_at are what it asks for.
    __table_args__ = (Index("ix_escalations_due", "state", "next_at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    policy: str
    # The steps as they were at the start: a changed config does not change an escalation under way.
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    repeat: int = 0
    step: int = 0  # the next step to perform
    round: int = 0  # how many times the steps have been run again
    next_at: datetime = Field(sa_type=UTCDateTime)
    state: EscalationState = Field(default=EscalationState.ACTIVE, sa_type=EnumText(EscalationState))
    message: str = ""
    started_by: str
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    stopped_by: str | None = None
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The policy's ack_timeout: an acknowledged incident with no update by `rearm_at` is paged again.
    ack_timeout_seconds: int | None = None
    rearm_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Page(SQLModel, table=True):
    """Someone (or a group, or a channel) paged by one step of an escalation."""

    __tablename__ = "pages"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalations.id", index=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    step: int
    round: int
    kind: str  # user, usergroup, channel; pagerduty and webhook (the routing key or URL as target)
    target: str
    via: str = ""  # the policy's target that named it: schedule:payments, user:U…
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

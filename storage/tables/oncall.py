"""Table models of on-call schedules: overrides, cover requests, and what was announced when.

The schedules themselves live in ONCALL_CONFIG; the database keeps what people change from Slack and
what the bot has already told them, so every hand-off is announced once across restarts and replicas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import CoverState
from storage.types import EnumText, UTCDateTime, utcnow


class OncallOverride(SQLModel, table=True):
    """People on call for [start_at, end_at) in one schedule, whatever its layers say."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_schedule_end", "schedule", "end_at"),)

    # Among overlapping overrides the later id wins: the resolver takes them in id order.
    id: int | None = Field(default=None, primary_key=True)
    schedule: str
    people: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Removed overrides are kept (who changed the rota, and when, is worth knowing) but resolve to nothing.
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: str | None = None
    cover_request_id: int | None = None


class OncallCoverRequest(SQLModel, table=True):
    """Someone asking for a range of their schedule to be taken; accepting it makes an override."""

    __tablename__ = "oncall_cover_requests"

    id: int | None = Field(default=None, primary_key=True)
    schedule: str
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    requested_by: str
    # A person asked directly, or None: the schedule's channel was asked.
    asked: str | None = None
    state: CoverState = Field(default=CoverState.OPEN, sa_type=EnumText(CoverState))
    accepted_by: str | None = None
    override_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OncallScheduleState(SQLModel, table=True):
    """Per schedule: the definition last seen, and the people the last hand-off announced."""

    __tablename__ = "oncall_schedule_states"

    name: str = Field(primary_key=True)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    definition_hash: str
    # None until the first tick: a new schedule sets its user group without announcing a hand-off.
    announced_people: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The secret in the schedule's calendar subscription URL.
    calendar_token: str
    # Set once Slack says the workspace's plan has no user groups: the notice is posted once.
    usergroups_unavailable: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OncallAnnouncement(SQLModel, table=True):
    """Something told once: a hand-off, a shift notice, a gaps report, a moved-shifts DM."""

    __tablename__ = "oncall_announcements"
    __table_args__ = (UniqueConstraint("schedule", "kind", "at", "subject", name="uq_oncall_announcement"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str
    kind: str  # handoff, notice, gaps, moved
    at: datetime = Field(sa_type=UTCDateTime)
    # What else tells two apart at the same instant: the people coming on, the person told.
    subject: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OncallCalendar(SQLModel, table=True):
    """An `ical:` calendar as last fetched, so every replica answers from the same copy."""

    __tablename__ = "oncall_calendars"

    location: str = Field(primary_key=True)
    body: str | None = None
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = None


class OncallEmail(SQLModel, table=True):
    """A schedule's e-mail address resolved to a Slack user (users.lookupByEmail), or not found."""

    __tablename__ = "oncall_emails"

    email: str = Field(primary_key=True)
    user_id: str | None = None
    looked_up_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

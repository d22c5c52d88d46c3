"""Silences made from Slack: stored before the outbox makes them in Alertmanager, so none is half-made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.enums import SilenceState
from storage.types import EnumText, UTCDateTime, utcnow


class Silence(SQLModel, table=True):
    """One silence: what it matches, until when, who made it, and Alertmanager's id once it is made."""

    __tablename__ = "silences"
    # `/alert silences` lists the ones not yet ended.
    __table_args__ = (Index("ix_silences_state_ends_at", "state", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    alertmanager: str  # the configured name
    # Alertmanager's matchers: [{name, value, isRegex, isEqual}]
    matchers: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str  # Slack user id; Alertmanager's createdBy is their name, looked up when it is made
    comment: str = ""
    channel: str | None = None  # where it was asked for
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="alert_groups.id", index=True)
    am_silence_id: str | None = None
    state: SilenceState = Field(default=SilenceState.PENDING, sa_type=EnumText(SilenceState))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expired_by: str | None = None
    expired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When its channel was told it ends soon (reminders.silence_warning): told once, whichever replica leads.
    warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When its end came and its message was redrawn without it (and the timeline told): once, by the leader.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

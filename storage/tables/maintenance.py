"""Maintenance windows: while one is active, alerts its matchers match are held (stored, shown in one rollup)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import MaintenanceState
from storage.types import EnumText, UTCDateTime, utcnow


class MaintenanceWindow(SQLModel, table=True):
    """One window, ad hoc or one occurrence of a scheduled one; (name, starts_at) is unique so an occurrence
    is started once across replicas and restarts."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (
        UniqueConstraint("name", "starts_at", name="uq_maintenance_name_starts_at"),
        # The leader's tick looks for active windows past their end.
        Index("ix_maintenance_state_ends_at", "state", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str  # the YAML window's name, or "adhoc-<user>" for one started from Slack
    # Alertmanager-style matchers: [{name, value, isRegex, isEqual}] (bot/alertmanager/matchers.py)
    matchers: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)  # required: every window expires
    reason: str = ""
    created_by: str | None = None  # Slack user id; None for scheduled windows
    mirror_silence: bool = False
    silence_id: int | None = Field(default=None, foreign_key="silences.id")
    rollup_ts: str | None = None  # the rollup message in the alerts channel, once posted
    state: MaintenanceState = Field(default=MaintenanceState.ACTIVE, sa_type=EnumText(MaintenanceState))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_by: str | None = None
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MaintenanceHeld(SQLModel, table=True):
    """An alert a window held; re-run through ingestion when the window ends if it is still firing."""

    __tablename__ = "maintenance_held"
    __table_args__ = (UniqueConstraint("window_id", "alert_id", name="uq_maintenance_held_window_alert"),)

    id: int | None = Field(default=None, primary_key=True)
    window_id: int = Field(foreign_key="maintenance_windows.id", index=True)
    alert_id: int = Field(foreign_key="alerts.id")
    held_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

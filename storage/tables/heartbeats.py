"""Table model of heartbeats: when each configured heartbeat last checked in, and whether its alert is raised."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class Heartbeat(SQLModel, table=True):
    """One configured heartbeat's state; its timeout, severity and labels stay in ONCALL_CONFIG."""

    __tablename__ = "heartbeats"

    name: str = Field(primary_key=True)
    last_beat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None: never beaten yet
    # Silence is counted from the later of this and the last beat: the start-up that first saw the heartbeat
    # in the config, or the resume after a pause (a week's pause does not raise at once on resume).
    watched_from: datetime = Field(sa_type=UTCDateTime)
    paused: bool = False
    paused_by: str | None = None
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An alert is open for it: set in the transaction that ingested the firing alert, cleared by the beat
    # that resolved it, so a raise happens once across replicas and restarts.
    raised: bool = False
    raised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The raised alert's start, which its resolution repeats (one alert, upserted by fingerprint).
    silent_since: datetime | None = Field(default=None, sa_type=UTCDateTime)

"""Table models of incidents, alerts, the outbox, reminders, SLOs and web sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import RoleName, Severity, Status
from storage.types import EnumText, UTCDateTime, utcnow


def _utc(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    # Storm control counts the incidents alerts opened in the last minute.
    __table_args__ = (Index("ix_incidents_origin_declared", "origin", "declared_at"),)

    # The primary key is the human number (INC-<id>): the database allocates it without races.
    id: int | None = Field(default=None, primary_key=True)
    title: str
    severity: Severity = Field(sa_type=EnumText(Severity))
    status: Status = Field(sa_type=EnumText(Status), index=True)
    summary: str = ""
    impact: str = ""
    channel_id: str | None = Field(default=None, unique=True)
    channel_name: str | None = None
    summary_ts: str | None = None
    announcement_channel_id: str | None = None
    announcement_ts: str | None = None
    # Where the announcement goes when a routing rule names a channel other than ANNOUNCE_CHANNEL.
    announce_channel: str | None = None
    # "slack" for incidents people declare; otherwise the alert source that opened it.
    origin: str = "slack"
    team: str | None = None
    # The service whose SLOs the incident spends: an alert's `service` label, or `/incident service`.
    service: str | None = Field(default=None, index=True)
    is_storm: bool = False
    # A private channel, no announcement, and no title in lists, agendas and digests.
    is_private: bool = False
    alerts_ts: str | None = None
    declared_by: str
    declared_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    detected_at: datetime | None = _utc()
    acknowledged_at: datetime | None = _utc()
    # Who acknowledged: the page's button, /incident ack, or taking command while paging ran.
    acknowledged_by: str | None = None
    mitigated_at: datetime | None = _utc()
    resolved_at: datetime | None = _utc()
    closed_at: datetime | None = _utc()
    postmortem_drafted_at: datetime | None = _utc()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Role(SQLModel, table=True):
    __tablename__ = "roles"

    incident_id: int = Field(foreign_key="incidents.id", primary_key=True)
    role: RoleName = Field(sa_type=EnumText(RoleName), primary_key=True)
    user_id: str
    assigned_by: str
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TimelineEntry(SQLModel, table=True):
    __tablename__ = "timeline_entries"
    # One entry per Slack message: edits, deletes, pins and reactions find it by channel + ts.
    __table_args__ = (
        UniqueConstraint("channel_id", "slack_ts", name="uq_timeline_channel_ts"),
        Index("ix_timeline_incident_at", "incident_id", "at"),
        # Counts of an incident's visible entries and messages read only this index (migration 0018).
        Index("ix_timeline_entries_visible", "incident_id", "kind", "is_deleted", "has_original"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str
    author: str | None = None
    text: str = ""
    channel_id: str | None = None
    slack_ts: str | None = None
    thread_ts: str | None = None
    is_edited: bool = False
    is_deleted: bool = False
    # True once the message itself has been seen: an edit or delete may arrive first
    has_original: bool = True
    is_pinned: bool = False
    highlight_reactions: int = 0
    highlighted: bool = False


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True)
    # Retention deletes by age (bot/retention): the index finds the old ones without reading the table.
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class OutboxEntry(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "state", "lane", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id")
    # Entries of one lane (an incident, an alert group's message) run one at a time, in id order.
    lane: str | None = None
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = "pending"
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = None
    # Which worker is performing the entry, until when; another may take it once the lease runs out.
    lease_owner: str | None = None
    lease_until: datetime | None = _utc()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = _utc()


class AlertGroup(SQLModel, table=True):
    """Alerts that belong together: one Alertmanager group, or the same configured group labels."""

    __tablename__ = "alert_groups"
    __table_args__ = (
        UniqueConstraint("source", "group_key", name="uq_alert_group"),
        # Storm control counts a channel's own group messages of the last minute.
        Index("ix_alert_groups_channel_posted", "channel", "posted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    group_key: str
    team: str | None = None
    # The incident the group's alerts join while it is open.
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    channel: str  # where alerts that open no incident are posted
    message_channel_id: str | None = None
    message_ts: str | None = None
    # When its own message was asked for (the outbox posts it moments later): storm control counts these
    # per channel, and a group that has one keeps it through a storm.
    posted_at: datetime | None = _utc()
    # Set instead of `posted_at` when the group arrived in a storm: it is a line in that rollup's message.
    rollup_id: int | None = Field(default=None, foreign_key="alert_rollups.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Acknowledge on the group's post, when it has no incident to acknowledge (docs/alert-actions.md).
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = _utc()


class AlertRollup(SQLModel, table=True):
    """One message in an alerts channel listing the alert groups a storm would have posted one by one."""

    __tablename__ = "alert_rollups"
    # Ingestion looks up the channel's rollup that groups joined lately.
    __table_args__ = (Index("ix_alert_rollups_channel_joined", "channel", "last_joined_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str  # as configured (a name or an id), like AlertGroup.channel
    message_channel_id: str | None = None
    message_ts: str | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("source", "fingerprint", name="uq_alert_source_fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str
    fingerprint: str
    status: str
    labels: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    annotations: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: str
    description: str = ""
    runbook_url: str | None = None
    severity: str | None = None  # as the source named it
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = _utc()
    generator_url: str | None = None
    # Further pages the source links the alert to (label → URL): Grafana's dashboard, panel and silence,
    # PagerDuty's service, the generic format's `links`. Shown by bot.alerts.views.facts.
    links: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    group_id: int = Field(foreign_key="alert_groups.id", index=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    fired_count: int = 1
    first_received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FollowUp(SQLModel, table=True):
    """An action item that came out of an incident; numbered 1, 2, … within its incident."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("incident_id", "number", name="uq_follow_up_number"),
        # A message turned into a follow-up twice (two ✅ reactions) stays one follow-up.
        UniqueConstraint("incident_id", "source_ts", name="uq_follow_up_source"),
        Index("ix_follow_ups_state_due", "state", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    number: int
    text: str
    owner: str | None = None
    due: date | None = None
    state: str = "open"
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = _utc()
    done_by: str | None = None
    source_ts: str | None = None


class SlackUser(SQLModel, table=True):
    """Display names and zones from users.info, cached so a postmortem does not ask Slack once per line."""

    __tablename__ = "slack_users"

    id: str = Field(primary_key=True)
    name: str
    # Their IANA zone as Slack knows it (users.info `tz`): reports split their pages into day and night by it.
    tz: str | None = None
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    """One recurring reminder about one thing: when it was last sent and when it is next due."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("kind", "subject_id", name="uq_reminder_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # status_nudge, postmortem_due, follow_up
    subject_id: int  # the incident or follow-up it is about
    last_sent_at: datetime | None = _utc()
    sent_count: int = 0
    next_run_at: datetime | None = _utc(index=True)


class Retro(SQLModel, table=True):
    """A retro cadence: a reminder with an agenda posted to a channel at start + n × cadence."""

    __tablename__ = "retros"

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    start_at: datetime = Field(sa_type=UTCDateTime)
    cadence_seconds: int
    count: int | None = None
    # Set for retros from ONCALL_CONFIG, which start-up keeps in sync; None for ones made in Slack.
    config_key: str | None = Field(default=None, unique=True)
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = _utc()
    runs: int = 0
    last_run_at: datetime | None = _utc()
    next_run_at: datetime | None = _utc()


class SloEvaluation(SQLModel, table=True):
    """One evaluation of one SLO: trends, status changes and digests read these, never recompute."""

    __tablename__ = "slo_evaluations"
    # By time alone too: retention downsamples a day of every SLO's evaluations at a time (bot/retention).
    __table_args__ = (Index("ix_slo_evaluations_slo_at", "slo", "at"), Index("ix_slo_evaluations_at", "at"))

    id: int | None = Field(default=None, primary_key=True)
    slo: str
    service: str
    at: datetime = Field(sa_type=UTCDateTime)
    objective: float
    window_seconds: int
    good: float | None = None
    total: float | None = None
    attainment: float | None = None
    budget_remaining: float | None = None
    burn_rates: dict[str, float | None] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fast_burn: bool = False
    # When the current fast burn began: the burn alert keeps this as its start across evaluations.
    fast_burn_since: datetime | None = _utc()
    status: str
    error: str | None = None


class SloEvent(SQLModel, table=True):
    """Good and total counts pushed for an SLO with an events source."""

    __tablename__ = "slo_events"
    __table_args__ = (Index("ix_slo_events_slo_at", "slo", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    slo: str
    at: datetime = Field(sa_type=UTCDateTime)
    good: int
    total: int
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SloDigest(SQLModel, table=True):
    """A configured weekly digest: where it goes, when (cron), and when it last went."""

    __tablename__ = "slo_digests"

    id: int | None = Field(default=None, primary_key=True)
    config_key: str = Field(unique=True)
    # "slo" (the SLO digest) or "report" (an operations review, `reports:`); options: the report's period, services.
    kind: str = Field(default="slo", sa_column_kwargs={"server_default": "slo"})
    options: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    channel: str
    cron: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = _utc()
    last_run_at: datetime | None = _utc()


class SloDigestRun(SQLModel, table=True):
    """One digest message: its chart is uploaded first, then the message shows it."""

    __tablename__ = "slo_digest_runs"

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int | None = Field(default=None, foreign_key="slo_digests.id")  # None: asked for with /slo digest
    kind: str = Field(default="slo", sa_column_kwargs={"server_default": "slo"})  # as its digest's
    options: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    channel: str
    start: datetime = Field(sa_type=UTCDateTime)
    end: datetime = Field(sa_type=UTCDateTime)
    requested_by: str | None = None
    chart_file_id: str | None = None
    message_channel_id: str | None = None
    message_ts: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A person signed in to the web pages with Slack. The browser holds the key; only its hash is kept here."""

    __tablename__ = "web_sessions"

    key_hash: str = Field(primary_key=True)  # sha256 of the cookie's value: a leaked table opens no session
    user_id: str
    team_id: str
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)


class WebSignIn(SQLModel, table=True):
    """A sign-in under way: Slack sends the browser back with this state, whose nonce the id_token must carry."""

    __tablename__ = "web_sign_ins"

    state_hash: str = Field(primary_key=True)
    nonce: str
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)

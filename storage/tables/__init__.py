"""Table models (only `table=True` classes), one module per part of the product; importing this registers them all."""

from storage.tables.core import (
    Alert,
    AlertGroup,
    AlertRollup,
    FollowUp,
    Incident,
    OutboxEntry,
    ProcessedEvent,
    Reminder,
    Retro,
    Role,
    SlackUser,
    SloDigest,
    SloDigestRun,
    SloEvaluation,
    SloEvent,
    TimelineEntry,
    WebSession,
    WebSignIn,
)
from storage.tables.heartbeats import Heartbeat
from storage.tables.maintenance import MaintenanceHeld, MaintenanceWindow
from storage.tables.oncall import (
    OncallAnnouncement,
    OncallCalendar,
    OncallCoverRequest,
    OncallEmail,
    OncallOverride,
    OncallScheduleState,
)
from storage.tables.pacing import PacingBudget
from storage.tables.paging import Escalation, Page
from storage.tables.silences import Silence

__all__ = [
    "Alert",
    "AlertGroup",
    "AlertRollup",
    "Escalation",
    "FollowUp",
    "Heartbeat",
    "Incident",
    "MaintenanceHeld",
    "MaintenanceWindow",
    "OncallAnnouncement",
    "OncallCalendar",
    "OncallCoverRequest",
    "OncallEmail",
    "OncallOverride",
    "OncallScheduleState",
    "OutboxEntry",
    "PacingBudget",
    "Page",
    "ProcessedEvent",
    "Reminder",
    "Retro",
    "Role",
    "Silence",
    "SlackUser",
    "SloDigest",
    "SloDigestRun",
    "SloEvaluation",
    "SloEvent",
    "TimelineEntry",
    "WebSession",
    "WebSignIn",
]

"""A read-only picture of an incident, for rendering and for the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.incidents.models import RoleName, Severity, Status, reference
from storage.tables import Incident, Role


@dataclass(frozen=True)
class IncidentSnapshot:
    number: int
    title: str
    severity: Severity
    status: Status
    summary: str
    impact: str
    declared_by: str
    declared_at: datetime
    channel_id: str | None = None
    channel_name: str | None = None
    summary_ts: str | None = None
    announcement_channel_id: str | None = None
    announcement_ts: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    roles: dict[RoleName, str] = field(default_factory=dict)
    origin: str = "slack"
    team: str | None = None
    is_storm: bool = False
    is_private: bool = False
    announce_channel: str | None = None
    alerts_ts: str | None = None

    @property
    def opened_by_alert(self) -> bool:
        return self.origin != "slack"

    @property
    def ref(self) -> str:
        return reference(self.number)

    @classmethod
    def of(cls, incident: Incident, roles: Iterable[Role]) -> IncidentSnapshot:
        assert incident.id is not None
        return cls(
            number=incident.id,
            title=incident.title,
            severity=Severity(incident.severity),
            status=Status(incident.status),
            summary=incident.summary,
            impact=incident.impact,
            declared_by=incident.declared_by,
            declared_at=incident.declared_at,
            channel_id=incident.channel_id,
            channel_name=incident.channel_name,
            summary_ts=incident.summary_ts,
            announcement_channel_id=incident.announcement_channel_id,
            announcement_ts=incident.announcement_ts,
            acknowledged_at=incident.acknowledged_at,
            acknowledged_by=incident.acknowledged_by,
            mitigated_at=incident.mitigated_at,
            resolved_at=incident.resolved_at,
            roles={RoleName(role.role): role.user_id for role in roles},
            origin=incident.origin,
            team=incident.team,
            is_storm=incident.is_storm,
            is_private=incident.is_private,
            announce_channel=incident.announce_channel,
            alerts_ts=incident.alerts_ts,
        )

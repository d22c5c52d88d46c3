"""Which team an alert belongs to, whether it opens an incident, and where it is posted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.alerts.models import AlertIn
from bot.config.alerts import AlertsConfig, Route
from bot.incidents.models import Severity
from bot.schedules.config import ScheduleConfig


@dataclass(frozen=True)
class Decision:
    team: str | None
    severity: Severity | None  # the incident severity this alert warrants; None: post it, open nothing
    declare: bool
    channel: str
    announce_channel: str | None
    responders: tuple[str, ...]
    usergroup: str | None
    group_key: str
    oncall: str | None = None  # a schedule: who is on call in it is invited when this opens an incident
    escalation: str | None = None  # a policy started when this opens an incident

    @property
    def opens_incident(self) -> bool:
        return self.declare and self.severity is not None


class Router:
    def __init__(self, config: AlertsConfig, schedules: Sequence[ScheduleConfig] = ()) -> None:
        self._config = config
        # The schedule answering for each service, for routes that name none.
        self._service_schedules = {service: s.name for s in schedules for service in s.services}

    def route(self, alert: AlertIn) -> Decision:
        """The first route whose matchers all hold decides; keys it leaves out come from `alerts:`."""
        route = next((route for route in self._config.routes if route.matches(alert.labels)), Route())
        mapping = route.severity if route.severity is not None else self._config.severity
        source_severity = (alert.severity or "").lower()
        return Decision(
            team=route.team,
            severity=mapping.get(source_severity),
            declare=route.declare if route.declare is not None else self._config.declare,
            channel=route.channel or self._config.channel,
            announce_channel=route.announce_channel,
            responders=tuple(route.responders),
            usergroup=route.usergroup,
            group_key=self._group_key(alert, route),
            oncall=route.oncall or self._service_schedules.get(alert.labels.get("service", "")),
            escalation=route.escalation,
        )

    def _group_key(self, alert: AlertIn, route: Route) -> str:
        """The source's own group (Alertmanager's groupKey), else the configured group labels."""
        if alert.group_key:
            return alert.group_key
        labels = route.group_by if route.group_by is not None else self._config.group_by
        values = [(name, alert.labels[name]) for name in labels if name in alert.labels]
        if not values:  # nothing to group on: the alert is its own group
            return f"fingerprint:{alert.fingerprint}"
        team = f"team={route.team}:" if route.team else ""
        return team + ",".join(f"{name}={value}" for name, value in values)

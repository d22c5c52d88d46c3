"""Webhook bodies shaped as each source sends them, built for the scenario a test needs."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures" / "webhooks"
ZERO_TIME = "0001-01-01T00:00:00Z"


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def am_alert(
    name: str,
    *,
    instance: str = "10.0.0.1:9100",
    severity: str = "critical",
    status: str = "firing",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    runbook: str | None = None,
    **labels: str,
) -> dict[str, Any]:
    started = starts_at or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    annotations = {"summary": f"{name} on {instance}", "description": f"{name} has been true for 5 minutes."}
    if runbook:
        annotations["runbook_url"] = runbook
    return {
        "status": status,
        "labels": {"alertname": name, "instance": instance, "severity": severity, **labels},
        "annotations": annotations,
        "startsAt": iso(started),
        "endsAt": iso(ends_at or started + timedelta(minutes=30)) if status == "resolved" else ZERO_TIME,
        "generatorURL": f"http://prometheus.example.org:9090/graph?g0.expr={name}",
        "fingerprint": f"{name}-{instance}".lower().replace(":", "-").replace(".", "-"),
    }


def am_group(alerts: list[dict[str, Any]], *, group: str | None = None) -> dict[str, Any]:
    """One Alertmanager notification (webhook payload version 4) for a group of alerts."""
    name = alerts[0]["labels"]["alertname"]
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "version": "4",
        "groupKey": group or f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "oncall-bot",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": alerts,
    }


def resolved(alert: dict[str, Any], *, after: timedelta = timedelta(minutes=20)) -> dict[str, Any]:
    ended = copy.deepcopy(alert)
    ended["status"] = "resolved"
    started = datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00"))
    ended["endsAt"] = iso(started + after)
    return ended

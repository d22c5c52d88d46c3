"""A year's alerts and their groups: mostly resolved, the last day's still firing, some opening incidents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from bench.year.incidents import Seeded
from bench.year.shape import SERVICES, Year

Row = dict[str, Any]
RULES = ("HighErrorRate", "HighLatency", "PodCrashLooping", "DiskFillingUp", "CertificateExpiring", "QueueBacklog")
SOURCE = "alertmanager"
ALERTS_CHANNEL = "#alerts"


def group_rows(year: Year, seeded: list[Seeded]) -> Iterator[Row]:
    """One group per `alerts_per_group` alerts; the incidents opened by an alert each own the group that did."""
    rng = year.random("groups")
    from_alert = iter([incident for incident in seeded if incident.from_alert])
    owner = next(from_alert, None)
    groups = year.alerts // year.alerts_per_group
    for number in range(1, groups + 1):
        created = year.start + timedelta(seconds=365 * 86400 * (number - 0.5) / groups)
        incident_id = None
        if owner is not None and owner.declared_at <= created:
            incident_id, created, owner = owner.id, owner.declared_at, next(from_alert, None)
        rule, service = RULES[number % len(RULES)], SERVICES[number % len(SERVICES)]
        yield {
            "id": number,
            "source": SOURCE,
            "group_key": f'{{}}:{{alertname="{rule}", service="{service}", n="{number}"}}',
            "team": None,
            "incident_id": incident_id,
            "channel": ALERTS_CHANNEL,
            "message_channel_id": "C0ALERTS" if incident_id is None else None,
            "message_ts": f"{created.timestamp() + 1:.6f}" if incident_id is None else None,
            "posted_at": created + timedelta(seconds=1) if incident_id is None else None,
            "rollup_id": None,
            "created_at": created,
            "updated_at": created + timedelta(minutes=rng.randint(5, 120)),
            "acknowledged_by": None,
            "acknowledged_at": None,
        }


def alert_rows(year: Year, groups: list[tuple[int, Any, int | None]]) -> Iterator[Row]:
    """`groups`: (id, created_at, incident_id) of every group, in order."""
    rng = year.random("alerts")
    alert_id = 0
    firing_after = year.end - timedelta(days=1)
    for group_id, created, incident_id in groups:
        rule, service = RULES[group_id % len(RULES)], SERVICES[group_id % len(SERVICES)]
        severity = "critical" if incident_id is not None else "warning"
        for replica in range(year.alerts_per_group):
            alert_id += 1
            starts = created + timedelta(seconds=replica * 7)
            firing = starts > firing_after
            ends = None if firing else starts + timedelta(minutes=rng.randint(5, 240))
            labels = {"alertname": rule, "service": service, "severity": severity, "pod": f"{service}-{replica}"}
            summary = f"{rule} on {service}-{replica}"
            yield {
                "id": alert_id,
                "source": SOURCE,
                "fingerprint": f"{group_id:010x}{replica:06x}",
                "status": "firing" if firing else "resolved",
                "labels": labels,
                "annotations": {"summary": summary, "runbook_url": f"https://runbooks.example/{rule}"},
                "summary": summary,
                "description": "",
                "runbook_url": f"https://runbooks.example/{rule}",
                "severity": severity,
                "starts_at": starts,
                "ends_at": ends,
                "generator_url": f"http://prometheus:9090/graph?g0.expr={rule}",
                "links": {},
                "group_id": group_id,
                "incident_id": incident_id,
                "fired_count": rng.randint(1, 20),
                "first_received_at": starts,
                "last_received_at": ends or starts,
                "changed_at": ends or starts,
            }

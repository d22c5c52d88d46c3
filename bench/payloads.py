"""Alertmanager v4 webhook bodies shaped like a real fleet's: alert rules × services, a few instances each."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt while an alert fires

# (alertname, severity, expression): one rule in ten is critical, as on most fleets most alerts are warnings.
RULES = [
    ("HighErrorRate", "critical", 'sum by(instance)(rate(http_requests_total{code=~"5.."}[5m])) > 0.05'),
    ("HighLatencyP99", "warning", "histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m])) > 0.5"),
    ("DiskSpaceLow", "warning", 'node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes < 0.15'),
    ("MemoryPressure", "warning", "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1"),
    ("CPUThrottling", "warning", "rate(container_cpu_cfs_throttled_seconds_total[5m]) > 0.25"),
    ("PodRestarting", "warning", "increase(kube_pod_container_status_restarts_total[15m]) > 3"),
    ("QueueBacklog", "warning", "queue_depth > 1000"),
    ("CertificateExpiring", "warning", "probe_ssl_earliest_cert_expiry - time() < 86400 * 14"),
    ("ReplicationLag", "warning", "pg_replication_lag_seconds > 30"),
    ("TooManyOpenFiles", "warning", "process_open_fds / process_max_fds > 0.8"),
]
SERVICES = [
    "checkout", "payments", "search", "catalog", "cart", "accounts", "shipping", "inventory", "pricing", "reviews",
    "notifications", "recommendations", "gateway", "auth", "billing", "ledger", "media", "orders", "profile", "fraud",
]  # fmt: skip


@dataclass(frozen=True)
class Groups:
    bodies: list[bytes]  # encoded once: the load generator must not spend its CPU on json.dumps
    alerts: int  # distinct alerts across all groups (distinct fingerprints)
    critical_groups: int


def alertmanager_groups(count: int = 200, alerts_per_group: int = 5) -> Groups:
    """`count` distinct groups, each one Alertmanager notification of `alerts_per_group` firing alerts."""
    if count > len(RULES) * len(SERVICES):
        raise ValueError(f"at most {len(RULES) * len(SERVICES)} distinct groups")
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    bodies, critical = [], 0
    for index in range(count):
        rule, service = RULES[index % len(RULES)], SERVICES[index // len(RULES)]
        critical += rule[1] == "critical"
        alerts = [
            _alert(rule, service, replica, started + timedelta(seconds=replica)) for replica in range(alerts_per_group)
        ]
        bodies.append(json.dumps(_group(rule[0], service, alerts)).encode())
    return Groups(bodies=bodies, alerts=count * alerts_per_group, critical_groups=critical)


def _alert(rule: tuple[str, str, str], service: str, replica: int, starts_at: datetime) -> dict[str, Any]:
    name, severity, expression = rule
    instance = f"{service}-{replica}.prod.svc:8080"
    job = f"{service}-api"
    labels = {"alertname": name, "instance": instance, "job": job, "severity": severity, "service": service}
    return {
        "status": "firing",
        "labels": labels,
        "annotations": {
            "summary": f"{name} on {instance}",
            "description": f"{name} has held on {instance} ({service}) for more than 5 minutes.",
            "runbook_url": f"https://runbooks.example.org/{service}/{name.lower()}",
        },
        "startsAt": _timestamp(starts_at),
        "endsAt": ZERO_TIME,
        "generatorURL": f"http://prometheus.example.org:9090/graph?g0.expr={quote_plus(expression)}&g0.tab=1",
        # Alertmanager's fingerprint is a 64-bit hash of the label set, printed as 16 hex digits.
        "fingerprint": hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16],
    }


def _group(name: str, service: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    common = {key: alerts[0]["labels"][key] for key in ("alertname", "job", "severity", "service")}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}", service="{service}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "oncall-bot",
        "groupLabels": {"alertname": name, "service": service},
        "commonLabels": common,
        "commonAnnotations": {"runbook_url": alerts[0]["annotations"]["runbook_url"]},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": alerts,
    }


@dataclass(frozen=True)
class Notification:
    at: float  # seconds after the storm began
    body: bytes
    alerts: int  # how many alerts it carries: every alert of its group firing by then


@dataclass(frozen=True)
class Storm:
    notifications: list[Notification]  # in the order they are due
    groups: int
    alerts: int  # distinct alerts
    critical_groups: int


def alert_storm(groups: int = 100, alerts_per_group: int = 50, seconds: float = 60.0, interval: float = 10.0) -> Storm:
    """`groups` × `alerts_per_group` alerts, all notified within `seconds`, as Alertmanager reports them.

    Alerts begin firing evenly over the first `seconds - interval`, every group growing at the same
    pace (alert j of each group starts about j/alerts_per_group of the way through). Alertmanager
    notifies each group every `interval` seconds (its group_interval, scaled down to fit the storm)
    with every alert of the group firing by then, the groups at staggered moments; as no alert starts
    in the last interval, each group's last notification carries all of its alerts.
    """
    if groups > len(RULES) * len(SERVICES):
        raise ValueError(f"at most {len(RULES) * len(SERVICES)} distinct groups")
    began = datetime.now(UTC)
    total, window = groups * alerts_per_group, seconds - interval
    notifications, critical = [], 0
    for index in range(groups):
        rule, service = RULES[index % len(RULES)], SERVICES[index // len(RULES)]
        critical += rule[1] == "critical"
        starts = [window * (replica * groups + index) / total for replica in range(alerts_per_group)]
        alerts = [
            _alert(rule, service, replica, began + timedelta(seconds=start)) for replica, start in enumerate(starts)
        ]
        due = interval * index / groups
        while due <= seconds:
            firing = [alert for alert, start in zip(alerts, starts, strict=True) if start <= due]
            if firing:  # Alertmanager sends nothing for a group with no alert yet
                body = json.dumps(_group(rule[0], service, firing)).encode()
                notifications.append(Notification(due, body, len(firing)))
            if len(firing) == alerts_per_group:
                break
            due += interval
    notifications.sort(key=lambda notification: notification.at)
    return Storm(notifications, groups, total, critical)


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def largest_delivery(count: int) -> bytes:
    """One generic delivery of `count` alerts, each its own group (its own rule), one in ten critical.

    The heaviest shape a single request can take: every alert is a new group to create and place,
    the critical ones open incidents until the storm limit and then join the storm incident.
    """
    alerts = []
    for number in range(count):
        (rule, severity, _), service = RULES[number % len(RULES)], SERVICES[number % len(SERVICES)]
        alerts.append(
            {
                "name": f"{rule}{number}",
                "title": f"{rule} on {service}",
                "severity": severity,
                "labels": {"service": service},
                "runbook_url": f"https://runbooks.example.org/{rule.lower()}",
            }
        )
    return json.dumps({"alerts": alerts}).encode()

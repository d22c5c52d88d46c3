"""A stored alert brought up to date with what its source says now, and what that changed."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from bot.alerts.models import AlertIn, AlertStatus
from storage.tables import Alert
from storage.types import utcnow


class Change(Enum):
    FIRED = "fired"
    REFIRED = "re-fired"
    RESOLVED = "resolved"
    NONE = "none"  # a redelivery, or news older than what is stored


def _details(alert_in: AlertIn, now: datetime) -> dict[str, Any]:
    """What the source says now: annotations and links can change while an alert fires."""
    return {
        "status": alert_in.status,
        "labels": dict(alert_in.labels),
        "annotations": dict(alert_in.annotations),
        "summary": alert_in.summary,
        "description": alert_in.description,
        "runbook_url": alert_in.runbook_url,
        "severity": alert_in.severity,
        "starts_at": alert_in.starts_at,
        "ends_at": alert_in.ends_at,
        "generator_url": alert_in.generator_url,
        "links": dict(alert_in.links),
        "last_received_at": now,
    }


def _copy_details(alert: Alert, alert_in: AlertIn, now: datetime, *, changed: bool = True) -> None:
    for name, value in _details(alert_in, now).items():
        setattr(alert, name, value)
    if changed:
        alert.changed_at = now


def upsert(alert: Alert | None, alert_in: AlertIn) -> tuple[Alert, Change]:
    """The stored alert brought up to date, and what that changed."""
    now = utcnow()
    if alert is None:
        # Every field given, none left to a default factory: pydantic inspects each factory's
        # signature on every construction, which was half of storing a large delivery.
        alert = Alert(
            source=alert_in.source,
            fingerprint=alert_in.fingerprint,
            group_id=0,
            first_received_at=now,
            **_details(alert_in, now),
            changed_at=now,
        )
        return alert, Change.FIRED if alert_in.status is AlertStatus.FIRING else Change.RESOLVED
    stored, incoming = AlertStatus(alert.status), alert_in.status
    if not alert_in.starts_at_given and not (stored is AlertStatus.RESOLVED and incoming is AlertStatus.FIRING):
        # No start from the source: the stored firing goes on (or ends) where it began. Only firing
        # again after it resolved is a new firing, and that one starts now.
        alert_in = alert_in.model_copy(update={"starts_at": alert.starts_at})
    if alert_in.starts_at < alert.starts_at:
        return alert, Change.NONE  # about an earlier firing of this alert, already superseded
    if stored is incoming:
        if stored is AlertStatus.FIRING and alert_in.starts_at > alert.starts_at:
            # Resolved and fired again between two deliveries we received.
            _copy_details(alert, alert_in, now)
            alert.fired_count += 1
            return alert, Change.REFIRED
        _copy_details(alert, alert_in, now, changed=False)
        return alert, Change.NONE
    if incoming is AlertStatus.FIRING:
        if alert_in.starts_at == alert.starts_at:
            return alert, Change.NONE  # a late redelivery of the firing we already saw resolve
        alert.fired_count += 1
        _copy_details(alert, alert_in, now)
        return alert, Change.REFIRED
    _copy_details(alert, alert_in, now)
    return alert, Change.RESOLVED


def resent(
    alert: Alert, group_key: str | None, *, status: AlertStatus | None = None, at: datetime | None = None
) -> AlertIn:
    """The stored alert as its source would send it again, into the group it is in (same start: the same firing).

    `status` resolved, with `at` its end: how the bot resolves an alert whose source cannot say (a silenced one).
    """
    return AlertIn(
        source=alert.source,
        fingerprint=alert.fingerprint,
        status=status or AlertStatus(alert.status),
        labels=dict(alert.labels),
        annotations=dict(alert.annotations),
        summary=alert.summary,
        description=alert.description,
        runbook_url=alert.runbook_url,
        severity=alert.severity,
        starts_at=alert.starts_at,
        ends_at=at,
        generator_url=alert.generator_url,
        links=dict(alert.links),
        group_key=group_key,
    )

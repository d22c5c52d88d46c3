"""PagerDuty V3 webhooks about incidents as normalized alerts, and their signature check.

Each delivery holds one `event` with `id`, `event_type`, `resource_type`, `occurred_at` and `data`, the
incident: `id`, `number`, `title`, `status`, `urgency`, `html_url`, `service`, `priority`
(https://developer.pagerduty.com/docs/webhooks/v3-overview/). Triggered and acknowledged incidents are
firing, resolved ones resolved; every other event type is none of the bot's business and yields no alert.
The incident's `html_url` is the alert's source link; its service's page and conference bridge are kept
as links, and who it is assigned to (people, escalation policy, teams) is its description.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from bot.alerts.models import AlertIn, AlertStatus, PayloadError
from handlers.webhooks.common import (
    optional_str,
    require_object,
    required_name,
    required_object,
    required_str,
    required_time,
    storable_text,
)

SOURCE = "pagerduty"
STATUS_BY_EVENT_TYPE = {
    "incident.triggered": AlertStatus.FIRING,
    "incident.acknowledged": AlertStatus.FIRING,
    "incident.resolved": AlertStatus.RESOLVED,
}
SEVERITY_BY_URGENCY = {"high": "critical", "low": "warning"}
SIGNATURE_VERSION = "v1="


def parse(body: dict[str, Any]) -> list[AlertIn]:
    """The incident a PagerDuty event is about, or nothing for events that do not fire or resolve one."""
    require_object(body, "body")
    event = required_object(body, "event")
    event_type = required_str(event, "event_type", "event")
    status = STATUS_BY_EVENT_TYPE.get(event_type)
    if status is None:
        return []
    incident = required_object(event, "data", "event")
    incident_id = required_name(incident, "id", "event.data")  # the fingerprint: blank would merge incidents
    title = required_str(incident, "title", "event.data")
    urgency = optional_str(incident, "urgency", "event.data")
    occurred_at = required_time(event, "occurred_at", "event")
    # created_at is when the incident began; occurred_at only when this event (an ack, a resolve) happened.
    starts_at = required_time(incident, "created_at", "event.data") if incident.get("created_at") else occurred_at
    labels = {"pagerduty_incident": _incident_number(incident)}
    service = _reference_summary(incident, "service")
    if service:
        labels["service"] = service
    if urgency:
        labels["urgency"] = urgency
    priority = _reference_summary(incident, "priority")
    if priority:
        labels["priority"] = priority
    return [
        AlertIn(
            source=SOURCE,
            fingerprint=incident_id,
            status=status,
            labels=labels,
            annotations={"summary": title},
            summary=title,
            description=_assignment(incident),
            links=_links(incident),
            severity=SEVERITY_BY_URGENCY.get(urgency or ""),
            starts_at=starts_at,
            ends_at=occurred_at if status is AlertStatus.RESOLVED else None,
            generator_url=optional_str(incident, "html_url", "event.data"),
        )
    ]


def verify_signature(body: bytes, header: str | None, secrets: list[str]) -> bool:
    """Whether `X-PagerDuty-Signature` holds an HMAC-SHA256 of the raw body made with one of our secrets.

    PagerDuty sends `v1=<hex>` signatures, comma-separated while a secret is being rotated
    (https://developer.pagerduty.com/docs/webhooks/webhook-signatures/).
    """
    if not header or not secrets:
        return False
    received = [
        part.strip()[len(SIGNATURE_VERSION) :]
        for part in header.split(",")
        if part.strip().startswith(SIGNATURE_VERSION)
    ]
    expected = [hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() for secret in secrets if secret]
    # Compare every pair so the time taken does not depend on which signature matched.
    matches = [hmac.compare_digest(mine, theirs) for mine in expected for theirs in received]
    return any(matches)


def _incident_number(incident: dict[str, Any]) -> str:
    number = incident.get("number")
    if number is None:
        return ""
    if isinstance(number, bool) or not isinstance(number, int | str):
        raise PayloadError("event.data.number", "must be an integer")
    return storable_text(str(number), "event.data.number")


def _reference_summary(incident: dict[str, Any], key: str) -> str | None:
    """The `summary` of a reference such as `service` or `priority`; PagerDuty sends null for no priority."""
    value = incident.get(key)
    if value is None:
        return None
    reference = require_object(value, f"event.data.{key}")
    return optional_str(reference, "summary", f"event.data.{key}")


def _reference_summaries(incident: dict[str, Any], key: str) -> list[str]:
    """The `summary` of each reference in a list such as `assignees` or `teams`."""
    value = incident.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"event.data.{key}", "must be a list")
    summaries = []
    for index, item in enumerate(value):
        reference = require_object(item, f"event.data.{key}[{index}]")
        summary = optional_str(reference, "summary", f"event.data.{key}[{index}]")
        if summary:
            summaries.append(summary)
    return summaries


def _assignment(incident: dict[str, Any]) -> str:
    """Who PagerDuty is paging for it: `Assigned to Dana Reyes · escalation policy Checkout primary · team Payments`."""
    parts = []
    if assignees := _reference_summaries(incident, "assignees"):
        parts.append("Assigned to " + ", ".join(assignees))
    if policy := _reference_summary(incident, "escalation_policy"):
        parts.append(f"escalation policy {policy}")
    if teams := _reference_summaries(incident, "teams"):
        parts.append(("team " if len(teams) == 1 else "teams ") + ", ".join(teams))
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def _links(incident: dict[str, Any]) -> dict[str, str]:
    """The pages beside the incident's own: its service, and the conference bridge when it has one."""
    links = {}
    for key, field, label in (
        ("service", "html_url", "Service"),
        ("conference_bridge", "conference_url", "Conference bridge"),
    ):
        value = incident.get(key)
        path = f"event.data.{key}"
        if value is not None and (url := optional_str(require_object(value, path), field, path)):
            links[label] = url
    return links

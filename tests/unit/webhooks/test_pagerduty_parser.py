"""PagerDuty V3 webhooks become alerts, and only signed deliveries are trusted."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.models import AlertStatus, PayloadError
from handlers.webhooks import pagerduty

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks"
SECRET = "pd-webhook-secret-1"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def sign(body: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_triggered_incident_becomes_a_firing_critical_alert() -> None:
    [alert] = pagerduty.parse(load("pagerduty_triggered.json"))

    assert alert.source == "pagerduty"
    assert alert.status is AlertStatus.FIRING
    assert alert.fingerprint == "Q0RIJJZL24RC6W"
    assert alert.summary == "Checkout API error rate above 5%"
    assert alert.severity == "critical"
    assert alert.labels == {
        "pagerduty_incident": "2417",
        "service": "Checkout API",
        "urgency": "high",
        "priority": "P1",
    }
    assert alert.starts_at == datetime(2024, 5, 14, 9, 12, 41, tzinfo=UTC)
    assert alert.ends_at is None
    assert alert.generator_url == "https://acme.pagerduty.com/incidents/Q0RIJJZL24RC6W"
    assert alert.description == "Assigned to Dana Reyes · escalation policy Checkout primary · team Payments"
    assert alert.links == {
        "Service": "https://acme.pagerduty.com/services/PF9KMXH",
        "Conference bridge": "https://example.com/bridge",
    }


def test_incident_with_nobody_assigned_and_no_bridge_has_no_description_or_links() -> None:
    body = load("pagerduty_triggered.json")
    for key in ("assignees", "escalation_policy", "teams", "conference_bridge", "service"):
        del body["event"]["data"][key]

    [alert] = pagerduty.parse(body)

    assert (alert.description, alert.links) == ("", {})


def test_assignees_that_are_not_a_list_are_named() -> None:
    body = load("pagerduty_triggered.json")
    body["event"]["data"]["assignees"] = "Dana"

    with pytest.raises(PayloadError, match=r"event\.data\.assignees must be a list"):
        pagerduty.parse(body)


def test_resolved_incident_resolves_the_same_alert_at_the_event_time() -> None:
    [triggered] = pagerduty.parse(load("pagerduty_triggered.json"))
    [resolved] = pagerduty.parse(load("pagerduty_resolved.json"))

    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.fingerprint == triggered.fingerprint
    assert resolved.ends_at == datetime(2024, 5, 14, 9, 44, 3, 207000, tzinfo=UTC)


def test_acknowledged_incident_is_still_firing() -> None:
    body = load("pagerduty_triggered.json")
    body["event"]["event_type"] = "incident.acknowledged"

    [alert] = pagerduty.parse(body)

    assert alert.status is AlertStatus.FIRING


def test_low_urgency_incident_without_priority_is_a_warning() -> None:
    body = load("pagerduty_triggered.json")
    body["event"]["data"].update(urgency="low", priority=None)

    [alert] = pagerduty.parse(body)

    assert alert.severity == "warning"
    assert "priority" not in alert.labels


@pytest.mark.parametrize("event_type", ["incident.annotated", "incident.priority_updated", "service.updated"])
def test_events_that_neither_fire_nor_resolve_are_ignored(event_type: str) -> None:
    body = load("pagerduty_triggered.json")
    body["event"]["event_type"] = event_type
    body["event"]["data"] = {"id": "P2LA89X", "type": "incident_note"}

    assert pagerduty.parse(body) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: body.pop("event"), "event is missing"),
        (lambda body: body.update(event=[]), "event must be an object"),
        (lambda body: body["event"].pop("event_type"), "event.event_type is missing"),
        (lambda body: body["event"].pop("data"), "event.data is missing"),
        (lambda body: body["event"]["data"].pop("id"), "event.data.id is missing"),
        (lambda body: body["event"]["data"].pop("title"), "event.data.title is missing"),
        (lambda body: body["event"]["data"].update(service="Checkout"), "event.data.service must be an object"),
        (lambda body: body["event"].update(occurred_at="now"), "event.occurred_at is not an ISO-8601 time"),
    ],
)
def test_pagerduty_payload_of_the_wrong_shape_is_refused_naming_the_field(change: Any, message: str) -> None:
    body = load("pagerduty_triggered.json")
    change(body)

    with pytest.raises(PayloadError) as caught:
        pagerduty.parse(body)

    assert str(caught.value).startswith(message)


def test_delivery_signed_with_our_secret_is_trusted() -> None:
    body = (FIXTURES / "pagerduty_triggered.json").read_bytes()

    assert pagerduty.verify_signature(body, sign(body, SECRET), [SECRET])


def test_delivery_with_a_wrong_signature_is_refused() -> None:
    body = (FIXTURES / "pagerduty_triggered.json").read_bytes()

    assert not pagerduty.verify_signature(body, sign(body, "someone-else"), [SECRET])
    assert not pagerduty.verify_signature(body + b" ", sign(body, SECRET), [SECRET])
    assert not pagerduty.verify_signature(body, sign(body, SECRET).replace("v1=", "v2="), [SECRET])


def test_delivery_without_a_signature_header_is_refused() -> None:
    body = (FIXTURES / "pagerduty_triggered.json").read_bytes()

    assert not pagerduty.verify_signature(body, None, [SECRET])
    assert not pagerduty.verify_signature(body, "", [SECRET])
    assert not pagerduty.verify_signature(body, sign(body, SECRET), [])


def test_delivery_during_secret_rotation_matches_any_signature_and_any_secret() -> None:
    body = (FIXTURES / "pagerduty_resolved.json").read_bytes()
    header = f"{sign(body, 'old-secret')}, {sign(body, 'new-secret')}"

    assert pagerduty.verify_signature(body, header, ["new-secret"])
    assert pagerduty.verify_signature(body, header, ["unrelated", "old-secret"])
    assert not pagerduty.verify_signature(body, header, ["unrelated"])

"""Grafana contact-point notifications become the alerts an on-call engineer sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.models import AlertStatus, PayloadError
from handlers.webhooks import grafana

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def test_grafana_notification_becomes_firing_alerts_with_grafana_fingerprints() -> None:
    alerts = grafana.parse(load("grafana_firing.json"))

    assert [alert.fingerprint for alert in alerts] == ["c6eadffa33fcdf37", "bc97ff14869b13e3"]
    memory = alerts[0]
    assert memory.source == "grafana"
    assert memory.status is AlertStatus.FIRING
    assert memory.summary == "This alert was triggered for zone us-1"
    assert memory.description == "The system has high memory usage"
    assert memory.runbook_url == "https://runbooks.example.org/memory"
    assert memory.severity is None
    assert memory.starts_at == datetime(2024, 5, 14, 9, 51, 3, 157076, tzinfo=UTC)
    assert memory.ends_at is None
    assert memory.generator_url == "https://grafana.example.org/alerting/grafana/1afz29v7z/view?orgId=1"
    assert memory.group_key == '{}:{alertname="High memory usage", grafana_folder="Platform"}'


def test_grafana_alert_without_summary_uses_alertname_and_label_severity() -> None:
    cpu = grafana.parse(load("grafana_firing.json"))[1]

    assert cpu.summary == "High CPU usage"
    assert cpu.severity == "warning"


def test_grafana_alert_without_alertname_or_summary_uses_the_notification_title() -> None:
    body = load("grafana_firing.json")
    del body["alerts"][1]["labels"]["alertname"]

    assert grafana.parse(body)[1].summary == "[FIRING:2] Platform (blue)"


def test_grafana_alert_keeps_its_dashboard_panel_and_silence_links() -> None:
    memory, cpu = grafana.parse(load("grafana_firing.json"))

    assert memory.links == {
        "Dashboard": "https://grafana.example.org/d/f2ad8e4c/hosts?orgId=1",
        "Panel": "https://grafana.example.org/d/f2ad8e4c/hosts?orgId=1&viewPanel=4",
        "Silence": memory.links["Silence"],
    }
    assert memory.links["Silence"].startswith("https://grafana.example.org/alerting/silence/new?")
    assert list(cpu.links) == ["Silence"]  # Grafana sends "" for a rule with no dashboard


def test_grafana_resolved_alert_has_its_end_time() -> None:
    body = load("grafana_firing.json")
    body["status"] = "resolved"
    body["alerts"][0].update(status="resolved", endsAt="2024-05-14T12:06:03.157076+02:00")

    alert = grafana.parse(body)[0]

    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2024, 5, 14, 10, 6, 3, 157076, tzinfo=UTC)


def test_grafana_redelivery_yields_the_same_alerts() -> None:
    assert grafana.parse(load("grafana_firing.json")) == grafana.parse(load("grafana_firing.json"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: body.pop("alerts"), "alerts is missing"),
        (lambda body: body["alerts"][1].update(labels="team=blue"), "alerts[1].labels must be an object"),
        (lambda body: body["alerts"][0].update(fingerprint=12), "alerts[0].fingerprint must be a string"),
        (lambda body: body["alerts"][0].update(endsAt="soon"), "alerts[0].endsAt is not an ISO-8601 time"),
    ],
)
def test_grafana_payload_of_the_wrong_shape_is_refused_naming_the_field(change: Any, message: str) -> None:
    body = load("grafana_firing.json")
    change(body)

    with pytest.raises(PayloadError) as caught:
        grafana.parse(body)

    assert str(caught.value).startswith(message)

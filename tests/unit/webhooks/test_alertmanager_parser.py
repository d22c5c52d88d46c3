"""Alertmanager notifications become the alerts an on-call engineer sees."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.models import AlertIn, AlertStatus, PayloadError
from handlers.webhooks import alertmanager

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def test_firing_group_of_five_becomes_five_firing_alerts_with_summary_and_severity() -> None:
    alerts = alertmanager.parse(load("alertmanager_firing.json"))

    assert len(alerts) == 5
    first = alerts[0]
    assert first.source == "alertmanager"
    assert first.status is AlertStatus.FIRING
    assert first.summary == "Checkout API 5xx rate is 7.2% on 10.0.1.11:8080"
    assert first.description.startswith("More than 5% of checkout requests")
    assert first.severity == "critical"
    assert first.runbook_url == "https://runbooks.example.org/checkout/high-error-rate"
    assert first.fingerprint == "3f8a1c2b9d4e5f60"
    assert first.labels["instance"] == "10.0.1.11:8080"
    assert first.generator_url is not None
    assert first.generator_url.startswith("http://prometheus.example.org:9090/graph")
    assert first.group_key == '{}/{severity="critical"}:{alertname="CheckoutHighErrorRate"}'
    assert first.starts_at == datetime(2024, 5, 14, 9, 12, 7, 392000, tzinfo=UTC)
    assert len({alert.fingerprint for alert in alerts}) == 5


def test_firing_alert_with_zero_ends_at_has_no_end() -> None:
    alerts = alertmanager.parse(load("alertmanager_firing.json"))

    assert all(alert.ends_at is None for alert in alerts)


def test_resolved_notification_carries_when_each_alert_ended() -> None:
    alerts = alertmanager.parse(load("alertmanager_resolved.json"))

    assert [alert.status for alert in alerts] == [AlertStatus.RESOLVED, AlertStatus.RESOLVED]
    assert alerts[0].ends_at == datetime(2024, 5, 14, 9, 41, 52, 118000, tzinfo=UTC)
    assert alerts[0].fingerprint == alertmanager.parse(load("alertmanager_firing.json"))[0].fingerprint


def test_times_with_offsets_and_nanoseconds_are_read_as_utc() -> None:
    body = load("alertmanager_firing.json")
    body["alerts"][0]["startsAt"] = "2018-08-03T09:52:26.739266876+02:00"

    alert = alertmanager.parse(body)[0]

    assert alert.starts_at == datetime(2018, 8, 3, 7, 52, 26, 739266, tzinfo=UTC)
    assert alert.starts_at.utcoffset() is not None


def test_alert_without_fingerprint_gets_one_that_survives_redelivery() -> None:
    body = load("alertmanager_firing.json")
    for alert in body["alerts"]:
        del alert["fingerprint"]
    redelivered = copy.deepcopy(body)
    redelivered["alerts"][0]["labels"] = dict(reversed(list(redelivered["alerts"][0]["labels"].items())))

    first = alertmanager.parse(body)
    second = alertmanager.parse(redelivered)

    assert [alert.fingerprint for alert in first] == [alert.fingerprint for alert in second]
    assert len(first[0].fingerprint) == 16
    assert int(first[0].fingerprint, 16) >= 0
    assert len({alert.fingerprint for alert in first}) == 5


def test_alert_without_summary_is_named_by_its_alertname() -> None:
    body = load("alertmanager_firing.json")
    del body["alerts"][2]["annotations"]["summary"]
    del body["alerts"][2]["labels"]["severity"]

    alert = alertmanager.parse(body)[2]

    assert alert.summary == "CheckoutHighErrorRate"
    assert alert.severity is None


def test_parsed_alert_cannot_be_changed() -> None:
    alert: AlertIn = alertmanager.parse(load("alertmanager_firing.json"))[0]

    with pytest.raises(ValueError):
        alert.summary = "something else"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: body.pop("alerts"), "alerts is missing"),
        (lambda body: body.update(alerts={"not": "a list"}), "alerts must be a list"),
        (lambda body: body["alerts"].__setitem__(3, "nope"), "alerts[3] must be an object"),
        (lambda body: body["alerts"][0].pop("labels"), "alerts[0].labels is missing"),
        (lambda body: body["alerts"][1].update(labels=["a", "b"]), "alerts[1].labels must be an object"),
        (lambda body: body["alerts"][1]["labels"].update(severity=3), "alerts[1].labels.severity must be a string"),
        (lambda body: body["alerts"][0].update(status="pending"), 'alerts[0].status must be "firing" or "resolved"'),
        (lambda body: body["alerts"][4].pop("startsAt"), "alerts[4].startsAt is missing"),
        (lambda body: body["alerts"][4].update(startsAt="yesterday"), "alerts[4].startsAt is not an ISO-8601 time"),
        (lambda body: body["alerts"][2].update(annotations="x"), "alerts[2].annotations must be an object"),
        (lambda body: body.update(version="3"), "version must be"),
    ],
)
def test_payload_of_the_wrong_shape_is_refused_naming_the_field(change: Any, message: str) -> None:
    body = load("alertmanager_firing.json")
    change(body)

    with pytest.raises(PayloadError) as caught:
        alertmanager.parse(body)

    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert message.startswith(caught.value.field)


def test_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PayloadError, match="body must be an object"):
        alertmanager.parse([])  # type: ignore[arg-type]

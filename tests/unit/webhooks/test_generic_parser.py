"""The generic JSON format: anything that can POST JSON can raise an alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.models import AlertStatus, PayloadError
from handlers.webhooks import generic

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks"
NOW = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def test_generic_alert_with_every_field_is_kept_as_sent() -> None:
    alert = generic.parse(load("generic.json"), now=NOW)[0]

    assert alert.source == "generic"
    assert alert.fingerprint == "nightly-backup-orders-db"
    assert alert.status is AlertStatus.FIRING
    assert alert.summary == "Nightly backup of orders-db failed"
    assert alert.severity == "critical"
    assert alert.description.startswith("pg_dump exited with status 1")
    assert alert.labels == {"service": "orders-db", "env": "prod"}
    assert alert.runbook_url == "https://runbooks.example.org/backups"
    assert alert.generator_url == "https://jenkins.example.org/job/orders-db-backup/1187/"
    assert alert.starts_at == datetime(2024, 5, 14, 2, 47, 12, tzinfo=UTC)
    assert alert.starts_at_given
    assert alert.ends_at is None


def test_generic_alert_with_only_a_title_fires_now_with_a_stable_fingerprint() -> None:
    first = generic.parse(load("generic.json"), now=NOW)[1]
    again = generic.parse(load("generic.json"), now=datetime(2024, 5, 14, 11, 0, tzinfo=UTC))[1]

    assert first.status is AlertStatus.FIRING
    assert first.starts_at == NOW
    assert not first.starts_at_given  # so a resend is the same firing, not one starting at 11:00
    assert first.severity is None
    assert first.description == ""
    assert first.runbook_url is None
    assert len(first.fingerprint) == 16
    assert again.fingerprint == first.fingerprint


def test_generic_name_is_the_rule_name_and_identifies_the_alert_while_its_title_changes() -> None:
    first = generic.parse({"title": "5xx at 7.2%", "name": "CheckoutErrors", "labels": {"service": "checkout"}})[0]
    later = generic.parse({"title": "5xx at 9.8%", "name": "CheckoutErrors", "labels": {"service": "checkout"}})[0]
    other = generic.parse({"title": "5xx at 9.8%", "name": "CartErrors", "labels": {"service": "checkout"}})[0]

    assert first.labels == {"service": "checkout", "alertname": "CheckoutErrors"}
    assert first.fingerprint == later.fingerprint != other.fingerprint


def test_generic_links_are_kept_by_label() -> None:
    links = {"Dashboard": "https://grafana.example.org/d/checkout", "Logs": "https://logs.example.org/q"}

    [alert] = generic.parse({"title": "Checkout errors", "links": links})

    assert alert.links == links


def test_generic_links_must_be_an_object_of_strings() -> None:
    with pytest.raises(PayloadError, match=r"links\.Dashboard must be a string"):
        generic.parse({"title": "Checkout errors", "links": {"Dashboard": 3}})


def test_generic_fingerprint_depends_on_title_and_labels_not_label_order() -> None:
    one = generic.parse({"title": "Disk full", "labels": {"host": "db-1", "mount": "/var"}})[0]
    reordered = generic.parse({"title": "Disk full", "labels": {"mount": "/var", "host": "db-1"}})[0]
    other_host = generic.parse({"title": "Disk full", "labels": {"host": "db-2", "mount": "/var"}})[0]

    assert one.fingerprint == reordered.fingerprint
    assert one.fingerprint != other_host.fingerprint


def test_generic_resolved_alert_has_its_times_in_utc() -> None:
    alert = generic.parse(load("generic.json"), now=NOW)[2]

    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity == "warning"
    assert alert.starts_at == datetime(2024, 5, 14, 6, 0, tzinfo=UTC)
    assert alert.ends_at == datetime(2024, 5, 14, 6, 25, 30, tzinfo=UTC)


def test_single_alert_without_the_alerts_wrapper_is_accepted() -> None:
    [alert] = generic.parse({"title": "Deploy of checkout failed", "severity": "warning"}, now=NOW)

    assert alert.summary == "Deploy of checkout failed"
    assert alert.starts_at == NOW


def test_starts_at_defaults_to_the_current_time() -> None:
    before = datetime.now(UTC)
    [alert] = generic.parse({"title": "Something broke"})

    assert before <= alert.starts_at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"severity": "critical"}, "title is missing"),
        ({"title": "   "}, "title must not be empty"),
        ({"alerts": [{"title": "ok"}, {"severity": "critical"}]}, "alerts[1].title is missing"),
        ({"alerts": "all of them"}, "alerts must be a list"),
        ({"alerts": [{"title": "x", "labels": ["a"]}]}, "alerts[0].labels must be an object"),
        ({"alerts": [{"title": "x", "labels": {"n": 1}}]}, "alerts[0].labels.n must be a string"),
        ({"alerts": [{"title": "x", "status": "ok"}]}, 'alerts[0].status must be "firing" or "resolved"'),
        ({"alerts": [{"title": "x", "starts_at": "tuesday"}]}, "alerts[0].starts_at is not an ISO-8601 time"),
        ({"title": 42}, "title must be a string"),
    ],
)
def test_generic_payload_of_the_wrong_shape_is_refused_naming_the_field(body: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        generic.parse(body)

    assert str(caught.value).startswith(message)

"""Every source's alert says which rule fired, how bad, what it is about and where to look."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.views import Link, alert_from, facts, source_name
from handlers.webhooks import alertmanager, generic, grafana, pagerduty

FIXTURES = Path(__file__).parents[1] / "fixtures" / "webhooks"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return body


def test_alertmanager_alert_is_named_by_its_alertname_with_identifying_labels_first() -> None:
    shown = facts(alertmanager.parse(load("alertmanager_firing"))[0])

    assert shown.name == "CheckoutHighErrorRate"
    assert shown.source == "Alertmanager"
    assert shown.severity == "critical"
    assert shown.label_text() == "instance=10.0.1.11:8080 job=checkout-api namespace=prod"
    assert shown.summary == "Checkout API 5xx rate is 7.2% on 10.0.1.11:8080"
    assert shown.description.startswith("More than 5% of checkout requests")
    assert shown.links[0] == Link("Runbook", "https://runbooks.example.org/checkout/high-error-rate")
    assert shown.links[1].label == "Source" and shown.links[1].url.startswith("http://prometheus.example.org")


def test_identifying_labels_lead_with_service_and_team_and_the_rest_follow_alphabetically() -> None:
    labels = {"zone": "eu-1", "pod": "web-7", "alertname": "X", "team": "payments", "b": "2", "service": "checkout"}
    [alert] = generic.parse({"title": "X", "labels": labels | {"severity": "critical", "a": "1"}})

    assert [name for name, _ in facts(alert).labels] == ["service", "team", "zone", "pod", "a", "b"]


def test_grafana_alert_links_its_rule_dashboard_panel_and_silence() -> None:
    shown = facts(grafana.parse(load("grafana_firing"))[0])

    assert (shown.name, shown.source, shown.summary) == (
        "High memory usage",
        "Grafana",
        "This alert was triggered for zone us-1",
    )
    assert shown.label_text() == "team=blue zone=us-1 grafana_folder=Platform"
    assert [link.label for link in shown.links] == ["Runbook", "Source", "Dashboard", "Panel", "Silence"]


def test_pagerduty_incident_is_named_by_its_title_once_and_links_the_incident() -> None:
    [alert] = pagerduty.parse(load("pagerduty_triggered"))
    shown = facts(alert)

    assert (shown.name, shown.source, shown.summary) == ("Checkout API error rate above 5%", "PagerDuty", "")
    assert dict(shown.labels)["service"] == "Checkout API"
    assert shown.description.startswith("Assigned to Dana Reyes")
    assert [link.label for link in shown.links] == ["PagerDuty incident", "Service", "Conference bridge"]


def test_generic_alert_with_a_name_shows_it_and_its_links() -> None:
    body = {
        "title": "Checkout 5xx above 5%",
        "name": "CheckoutErrors",
        "severity": "critical",
        "description": "7.2% over 10 minutes",
        "labels": {"instance": "web-1", "service": "checkout", "env": "prod"},
        "runbook_url": "https://runbooks.example.org/checkout",
        "source_url": "https://ci.example.org/job/1",
        "links": {"Dashboard": "https://grafana.example.org/d/checkout"},
    }
    shown = facts(generic.parse(body)[0])

    assert (shown.name, shown.source, shown.severity) == ("CheckoutErrors", "generic JSON", "critical")
    assert shown.label_text() == "service=checkout env=prod instance=web-1"
    assert (shown.summary, shown.description) == ("Checkout 5xx above 5%", "7.2% over 10 minutes")
    assert [link.label for link in shown.links] == ["Runbook", "Source", "Dashboard"]
    assert shown.runbook == "https://runbooks.example.org/checkout"


def test_annotation_links_are_shown_and_the_same_address_only_once() -> None:
    alert = alertmanager.parse(load("alertmanager_firing"))[0]
    annotations = alert.annotations | {"dashboard_url": "https://grafana.example.org/d/1", "logsURL": "https://l/q"}
    shown = facts(alert.model_copy(update={"annotations": annotations, "generator_url": alert.runbook_url}))

    assert [link.label for link in shown.links] == ["Runbook", "Dashboard", "Logs"]


def test_many_labels_are_counted_past_the_limit() -> None:
    labels = {f"label{number:02d}": "x" for number in range(12)}
    [alert] = generic.parse({"title": "Noisy", "labels": labels})

    assert facts(alert).label_text(limit=3) == "label00=x label01=x label02=x +9 more"


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("alertmanager", "an Alertmanager alert"),
        ("grafana", "a Grafana alert"),
        ("pagerduty", "a PagerDuty alert"),
        ("generic", "a generic JSON alert"),
        ("slo", "an SLO alert"),
        ("opsgenie", "an opsgenie alert"),
    ],
)
def test_sources_are_named_as_their_owners_spell_them_with_the_right_article(source: str, said: str) -> None:
    assert alert_from(source) == said
    assert said.endswith(f" {source_name(source)} alert")

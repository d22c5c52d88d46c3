"""The bot's own health, as Prometheus and a load balancer see it: /metrics and /readyz."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import Workspace


async def scrape(workspace: Workspace) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await workspace.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_webhooks_slack_calls_commands_and_show_stored_state(workspace: Workspace) -> None:
    workspace.slack.fail("chat.postMessage", status=503, times=3)  # more than slack_sdk retries by itself
    await workspace.declare("Checkout is down sev2")
    await workspace.webhook("alertmanager", am_group([am_alert("DiskFull", severity="critical")]))
    await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]), token="wrong")
    await workspace.webhook("grafana", {"alerts": "not a list"})
    await workspace.webhook("nagios", {})
    await workspace.settle()

    samples = await scrape(workspace)
    assert value(samples, "oncall_webhooks_total", source="alertmanager", outcome="accepted") == 1
    assert value(samples, "oncall_webhooks_total", source="alertmanager", outcome="unauthorized") == 1
    assert value(samples, "oncall_webhooks_total", source="grafana", outcome="invalid") == 1
    assert value(samples, "oncall_webhooks_total", source="unknown", outcome="unknown_source") == 1
    assert value(samples, "oncall_slack_api_calls_total", method="conversations.create", outcome="ok") == 2
    assert value(samples, "oncall_slack_api_calls_total", method="chat.postMessage", outcome="retryable") >= 1
    assert value(samples, "oncall_slash_command_ack_seconds_count", command="/incident") == 1
    assert value(samples, "oncall_open_incidents", severity="SEV2") == 2
    assert value(samples, "oncall_outbox_entries", state="pending") == 0
    assert value(samples, "oncall_outbox_entries", state="done") > 10
    assert value(samples, "oncall_outbox_oldest_pending_seconds") == 0


async def test_readyz_reports_database_scheduler_and_worker(workspace: Workspace) -> None:
    response = await workspace.client.get("/readyz")
    assert response.status == 200
    body = await response.json()
    assert body["database"] == "ok" and body["outbox_worker"] == "running"
    # SQLite runs one replica, which leads; on PostgreSQL this one holds the lock (it is alone).
    assert body["scheduler"] == "leader"


async def test_shipped_alert_rules_only_use_metrics_the_bot_serves(workspace: Workspace) -> None:
    rules = yaml.safe_load((Path(__file__).parents[2] / "deploy" / "prometheus-rules.yml").read_text())
    await workspace.declare("Checkout is down sev2")  # labelled series appear once something happened
    await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]))
    served = {name for name, _ in await scrape(workspace)}
    used = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] and rule["expr"] and rule["annotations"]["summary"]
            used |= set(re.findall(r"\boncall_[a-z_]+", rule["expr"]))
    assert used, "the rules should watch the bot's own metrics"
    assert used <= served, used - served


async def test_shipped_grafana_dashboard_only_charts_metrics_the_bot_serves(workspace: Workspace) -> None:
    dashboard = json.loads((Path(__file__).parents[2] / "deploy" / "grafana-dashboard.json").read_text())
    response = await workspace.client.get("/metrics")
    families = {family.name for family in text_string_to_metric_families(await response.text())}
    charted = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\boncall_[a-z_]+", target["expr"])
    }
    assert len(dashboard["panels"]) >= 8 and all(panel["targets"] for panel in dashboard["panels"])
    assert charted <= families, charted - families
    assert {"oncall_outbox_entries", "oncall_slack_api_calls", "oncall_slo_status"} <= charted

"""Every source's alert, posted over HTTP, says what fired wherever it is shown.

The #alerts post of an alert that opens no incident, the incident channel's first message and alert
list, and the postmortem (Markdown upload and HTML from the command line) each name the rule, its
severity, the labels that identify it, the summary and description, and the runbook and source links.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handlers.cli.main import main
from tests.e2e.alert_payloads import am_alert, am_group, fixture
from tests.e2e.conftest import StartBot, Workspace

PAGERDUTY_SECRET = "pd-secret-details"
RUNBOOK = "https://runbooks.example.org/checkout-errors"


@dataclass(frozen=True)
class Shown:
    """What a reader must find about one alert, and the webhook that sends it."""

    source: str
    said: str  # "an Alertmanager alert"
    name: str
    labels: list[tuple[str, str]]
    summary: str | None  # None: the source's summary is its name (PagerDuty), shown once
    description: str
    links: list[tuple[str, str]]
    body: Callable[[str, str], dict[str, Any]]  # (severity, which) → payload; `which` tells two alerts apart


def _alertmanager(severity: str, which: str) -> dict[str, Any]:
    alert = am_alert("CheckoutErrors", instance=f"web-{which}", severity=severity, runbook=RUNBOOK, service="checkout")
    alert["annotations"]["dashboard_url"] = "https://grafana.example.org/d/checkout"
    return am_group([alert], group=f"checkout-{which}")


def _grafana(severity: str, which: str) -> dict[str, Any]:
    body = fixture("grafana_firing")
    [alert] = body["alerts"][:1]
    alert["labels"] |= {"severity": severity, "service": "hosts", "zone": f"us-{which}"}
    alert["fingerprint"] = f"grafana-{which}"
    body["alerts"], body["groupKey"] = [alert], f"memory-{which}"
    return body


def _pagerduty(severity: str, which: str) -> dict[str, Any]:
    body = fixture("pagerduty_triggered")
    incident = body["event"]["data"]
    incident["id"] = f"Q0RIJJZL24RC6{which}"
    incident["html_url"] = f"https://acme.pagerduty.com/incidents/{incident['id']}"
    incident["urgency"] = "high" if severity == "critical" else "low"
    return body


def _generic(severity: str, which: str) -> dict[str, Any]:
    return {
        "title": f"Nightly backup of orders-db failed on backup-{which}",
        "name": "OrdersBackupFailed",
        "severity": severity,
        "description": "pg_dump exited with status 1 after 42 minutes: disk full.",
        "labels": {"service": "orders-db", "instance": f"backup-{which}"},
        "runbook_url": "https://runbooks.example.org/backups",
        "source_url": "https://jenkins.example.org/job/orders-db-backup/1187/",
        "links": {"Logs": "https://logs.example.org/orders-db-backup"},
    }


GRAFANA = "https://grafana.example.org"
SOURCES = [
    Shown(
        source="alertmanager",
        said="an Alertmanager alert",
        name="CheckoutErrors",
        labels=[("service", "checkout"), ("instance", "web-{which}")],
        summary="CheckoutErrors on web-{which}",
        description="CheckoutErrors has been true for 5 minutes.",
        links=[
            ("Runbook", RUNBOOK),
            ("Source", "http://prometheus.example.org:9090/graph?g0.expr=CheckoutErrors"),
            ("Dashboard", "https://grafana.example.org/d/checkout"),
        ],
        body=_alertmanager,
    ),
    Shown(
        source="grafana",
        said="a Grafana alert",
        name="High memory usage",
        labels=[("service", "hosts"), ("team", "blue"), ("zone", "us-{which}"), ("grafana_folder", "Platform")],
        summary="This alert was triggered for zone us-1",
        description="The system has high memory usage",
        links=[
            ("Runbook", "https://runbooks.example.org/memory"),
            ("Source", f"{GRAFANA}/alerting/grafana/1afz29v7z/view?orgId=1"),
            ("Dashboard", f"{GRAFANA}/d/f2ad8e4c/hosts?orgId=1"),
            ("Panel", f"{GRAFANA}/d/f2ad8e4c/hosts?orgId=1&viewPanel=4"),
        ],
        body=_grafana,
    ),
    Shown(
        source="pagerduty",
        said="a PagerDuty alert",
        name="Checkout API error rate above 5%",
        labels=[("service", "Checkout API"), ("pagerduty_incident", "2417"), ("priority", "P1")],
        summary=None,
        description="Assigned to Dana Reyes · escalation policy Checkout primary · team Payments",
        links=[
            ("PagerDuty incident", "https://acme.pagerduty.com/incidents/Q0RIJJZL24RC6W"),
            ("Service", "https://acme.pagerduty.com/services/PF9KMXH"),
            ("Conference bridge", "https://example.com/bridge"),
        ],
        body=_pagerduty,
    ),
    Shown(
        source="generic",
        said="a generic JSON alert",
        name="OrdersBackupFailed",
        labels=[("service", "orders-db"), ("instance", "backup-{which}")],
        summary="Nightly backup of orders-db failed on backup-{which}",
        description="pg_dump exited with status 1 after 42 minutes: disk full.",
        links=[
            ("Runbook", "https://runbooks.example.org/backups"),
            ("Source", "https://jenkins.example.org/job/orders-db-backup/1187/"),
            ("Logs", "https://logs.example.org/orders-db-backup"),
        ],
        body=_generic,
    ),
]


def slack_text(text: str) -> str:
    """As Slack mrkdwn carries it: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def section_texts(message: Any) -> str:
    return "\n".join(block["text"]["text"] for block in message.blocks or [] if block["type"] == "section")


async def send(workspace: Workspace, shown: Shown, severity: str, which: str) -> dict[str, Any]:
    body = shown.body(severity, which)
    if shown.source != "pagerduty":
        response = await workspace.webhook(shown.source, body)
    else:
        raw = json.dumps(body).encode()
        signature = "v1=" + hmac.new(PAGERDUTY_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        response = await workspace.webhook("pagerduty", raw, token=None, headers={"X-PagerDuty-Signature": signature})
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def expect_in_slack(text: str, shown: Shown, severity: str, which: str) -> None:
    (first_label, first_value), *_ = shown.labels
    head = f"*{slack_text(shown.name)}* · {severity} · {first_label}={slack_text(first_value)}"
    assert head.replace("{which}", which) in text, text
    for label, value in shown.labels:
        assert f" {label}={slack_text(value)}".replace("{which}", which) in text, text
    if shown.summary is not None:
        assert f" — {slack_text(shown.summary)}".replace("{which}", which) in text, text
    assert slack_text(shown.description) in text
    links = " · ".join(f"<{slack_text(url)}|{label}>" for label, url in shown.links)
    assert links.replace("Q0RIJJZL24RC6W", f"Q0RIJJZL24RC6{which}") in text, text


@pytest.mark.parametrize("shown", SOURCES, ids=[shown.source for shown in SOURCES])
async def test_alert_messages_and_postmortem_say_what_fired(
    start_bot: StartBot, shown: Shown, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = await start_bot(f"webhooks:\n  pagerduty:\n    secrets: [{PAGERDUTY_SECRET}]\n")
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)

    # A warning opens no incident: it is posted in #alerts.
    assert (await send(workspace, shown, "warning", "1"))["opened"] == []
    await workspace.settle()
    [post] = workspace.slack.messages(alerts_channel)
    expect_in_slack(section_texts(post), shown, "warning", "1")

    # A critical alert opens an incident, whose channel says what opened it and lists it.
    assert (await send(workspace, shown, "critical", "W"))["opened"] == ["INC-1"]
    await workspace.settle()
    [channel] = workspace.incident_channels()
    [welcome] = [text for text in workspace.posts(channel.id) if text.startswith(":wave:")]
    assert f"It was opened by {shown.said}: *{slack_text(shown.name)}* · critical · " in welcome
    assert "take it with `/incident assign commander @you`" in welcome
    [alert_list] = [message for message in workspace.slack.messages(channel.id) if message.text.startswith("Alerts of")]
    expect_in_slack(section_texts(alert_list), shown, "critical", "W")
    summary = workspace.slack.messages(channel.id)[0]
    assert f"by {shown.said}" in json.dumps(summary.blocks)

    await workspace.command("postmortem", channel=channel.id)
    await workspace.settle()
    [file] = [file for file in workspace.slack.files.values() if channel.id in file.channels]
    markdown = file.content.decode()
    assert f"Opened SEV2 by {shown.said}" in markdown  # the timeline's first entry
    (first_label, first_value), *_ = shown.labels
    read = re.sub(r"\\(.)", r"\1", markdown)  # as a Markdown viewer shows it
    assert f"Alert fired: {shown.name} ({first_label}={first_value}" in read
    section = markdown[markdown.index("## Alerts") : markdown.index("## Participants")]
    expect_in_postmortem(section, shown, markdown=True)

    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "pm.html"
    assert await asyncio.to_thread(main, ["postmortem", "INC-1", "--format", "html", "--out", str(out)]) == 0
    page = out.read_text()
    expect_in_postmortem(page[page.index("<h2>Alerts</h2>") : page.index("<h2>Participants</h2>")], shown)


def expect_in_postmortem(section: str, shown: Shown, *, markdown: bool = False) -> None:
    def written(text: str) -> str:  # how each format escapes a value
        if markdown:
            return text.replace("_", "\\_").replace("&", "&amp;")
        return text.replace("&", "&amp;")

    name = f"**{written(shown.name)}**" if markdown else f"<strong>{written(shown.name)}</strong>"
    assert f"{name} (critical, firing) from " in section, section
    assert section.count(name) == 1  # the warning alert opened no incident: it is not this incident's
    for label, value in shown.labels:
        assert written(f"{label}={value}".replace("{which}", "W")) in section
    if shown.summary is not None:
        assert f"Summary: {written(shown.summary.replace('{which}', 'W'))}" in section.replace(
            '<span class="text">', ""
        )
    assert written(shown.description) in section
    for label, url in shown.links:
        link = f"[{label}]({url})" if markdown else f'<a href="{url.replace("&", "&amp;")}">{label}</a>'
        assert link in section, section

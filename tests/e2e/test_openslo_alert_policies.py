"""A team's OpenSLO directory, measured on a REAL Prometheus: its AlertPolicy, not the bot's defaults, pages it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from storage.tables import Alert, SloEvaluation
from tests.e2e.conftest import StartBot
from tests.helpers import eventually
from tests.peers.prometheus import PrometheusPeer, running_prometheus

DATASOURCES = """\
- apiVersion: openslo/v1
  kind: DataSource
  metadata: {{name: prometheus-local}}
  spec:
    type: Prometheus
    connectionDetails:
      - url: {url}
"""
SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: prometheus-api-errors}
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: prometheus-local
        spec: {query: 'sum(increase(prometheus_http_requests_total{code="400"}[$window]))'}
    total:
      metricSource:
        metricSourceRef: prometheus-local
        spec: {query: 'sum(increase(prometheus_http_requests_total[$window]))'}
"""
ALERTING = """\
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: burning-twice-as-fast}
spec:
  severity: page
  condition: {kind: burnrate, op: gt, threshold: 2, lookbackWindow: 1h, alertAfter: 0m}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: burning-a-thousand-times-as-fast}
spec:
  severity: page
  condition: {kind: burnrate, op: gt, threshold: 1000, lookbackWindow: 1h}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: prometheus-oncall}
spec: {target: slack}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: page-on-2x}
spec:
  conditions: [{conditionRef: burning-twice-as-fast}]
  notificationTargets: [{targetRef: prometheus-oncall}]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: page-on-1000x}
spec:
  conditions: [{conditionRef: burning-a-thousand-times-as-fast}]
  notificationTargets: [{targetRef: prometheus-oncall}]
"""
SLOS = """\
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: prometheus-api}
  spec:
    service: prometheus
    indicatorRef: prometheus-api-errors
    timeWindow: [{duration: 1d, isRolling: true}]
    budgetingMethod: Occurrences
    objectives: [{target: 0.99}]
    alertPolicies: [{alertPolicyRef: page-on-2x}]
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: prometheus-api-lenient}
  spec:
    service: prometheus-lenient
    indicatorRef: prometheus-api-errors
    timeWindow: [{duration: 1d, isRolling: true}]
    budgetingMethod: Occurrences
    objectives: [{target: 0.99}]
    alertPolicies: [{alertPolicyRef: page-on-1000x}]
"""
CONFIG = """
slo:
  evaluate_every: 1h
  openslo: [slos]
"""


@pytest.fixture
async def prometheus(tmp_path: Path) -> AsyncIterator[PrometheusPeer]:
    """Prometheus that has answered one bad query for every four good ones, and scraped them."""
    (tmp_path / "prometheus").mkdir()
    async with running_prometheus(tmp_path / "prometheus", scrape_interval="1s") as peer:
        await peer.wait_for_samples(2)
        assert await peer.get("/api/v1/query", query="sum(up") == 400  # the 400s' series must exist first
        await peer.wait_for_value('count(prometheus_http_requests_total{code="400"})')
        for _ in range(4):
            assert await peer.get("/api/v1/query", query="up") == 200
        assert await peer.get("/api/v1/query", query="sum(up") == 400
        await peer.wait_for_value('sum(increase(prometheus_http_requests_total{code="400"}[1h]))')
        yield peer


async def test_an_openslo_alert_policy_decides_what_pages_the_team(
    prometheus: PrometheusPeer, start_bot: StartBot, tmp_path: Path
) -> None:
    slos = tmp_path / "slos"
    (slos / "alerting").mkdir(parents=True)
    (slos / "datasources.yaml").write_text(DATASOURCES.format(url=prometheus.base_url))
    (slos / "slis.yaml").write_text(SLI)
    (slos / "slos.yaml").write_text(SLOS)
    (slos / "alerting" / "policies.yaml").write_text(ALERTING)
    workspace = await start_bot(CONFIG)

    async def evaluated() -> dict[str, SloEvaluation]:
        # The scheduler evaluates every SLO as the bot starts: what it stored is what paged, or did not.
        async with workspace.database.transaction() as session:
            rows = {row.slo: row for row in (await session.exec(select(SloEvaluation))).all()}
        assert len(rows) == 2, rows
        return rows

    found = await eventually(evaluated)
    await workspace.settle()

    strict, lenient = found["prometheus-api"], found["prometheus-api-lenient"]
    assert strict.error is None, strict.error
    # Prometheus answered some queries with 400: far more than 1 % of its requests, a burn rate over 2×
    assert (strict.burn_rates["1h"] or 0.0) > 2
    assert strict.burn_rates == lenient.burn_rates  # one SLI, measured at the same instant, two policies
    assert strict.fast_burn and not lenient.fast_burn
    [channel] = await eventually(workspace.incident_channels)
    assert "burning its error budget" in " ".join(workspace.posts(channel.id))
    async with workspace.database.transaction() as session:
        alerts = (await session.exec(select(Alert).where(Alert.source == "slo"))).all()
    [alert] = alerts
    assert alert.labels["slo"] == "prometheus-api" and alert.labels["severity"] == "page"
    assert alert.labels["alert_policy"] == "page-on-2x" and alert.labels["notification_targets"] == "prometheus-oncall"


def test_the_command_line_names_every_problem_of_a_directory_one_line_each(tmp_path: Path, database_url: str) -> None:
    slos = tmp_path / "slos"
    slos.mkdir()
    (slos / "datasources.yaml").write_text(
        "- {apiVersion: openslo/v1, kind: DataSource, metadata: {name: dd}, spec: {type: Datadog}}\n"
        "- {apiVersion: openslo/v1, kind: Dashboard, metadata: {name: board}, spec: {}}\n"
    )
    (slos / "slos.yaml").write_text(SLOS)
    (tmp_path / "oncall.yml").write_text(CONFIG)
    env = {"DATABASE_URL": database_url, "ONCALL_CONFIG": str(tmp_path / "oncall.yml"), "PATH": "/usr/bin:/bin"}

    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "slo", "report"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert all(line.startswith(f"oncall-bot: {slos}/") for line in lines), lines
    assert "Traceback" not in result.stderr
    text = "\n".join(lines)
    assert "datasources.yaml: item 2: kind must be one of SLO, SLI, DataSource" in text
    assert "datasources.yaml: DataSource dd: spec.type 'Datadog' is not supported" in text
    assert "slos.yaml: SLO prometheus-api: spec.indicatorRef names SLI 'prometheus-api-errors'" in text
    assert "slos.yaml: SLO prometheus-api-lenient: spec.indicatorRef names SLI" in text

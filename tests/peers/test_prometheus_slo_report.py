"""An SLO computed by the bot from a REAL Prometheus scraping itself, end to end through `oncall-bot slo report`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.peers.process import free_port
from tests.peers.prometheus import PrometheusPeer, running_prometheus

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG = """
slos:
  - name: prometheus-api
    service: prometheus
    objective: 99%
    window: 1h
    source:
      type: prometheus
      url: {url}
      good_query: sum(increase(prometheus_http_requests_total{{code=~"2.."}}[$window]))
      total_query: sum(increase(prometheus_http_requests_total[$window]))
  - name: prometheus-query-latency
    service: prometheus
    kind: latency
    threshold: 100ms
    objective: 90%
    window: 1h
    source:
      type: prometheus
      url: {url}
      histogram: prometheus_http_request_duration_seconds
      selector: 'handler="/api/v1/query"'
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def prometheus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrometheusPeer]:
    """Prometheus that has answered one bad query for every four good ones, and scraped them."""
    async with running_prometheus(tmp_path_factory.mktemp("prometheus"), scrape_interval="1s") as peer:
        await peer.answer_a_bad_query_in_five()
        yield peer


def report(config: str, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "oncall.yml"
    path.write_text(config)
    env = {"DATABASE_URL": database_url, "ONCALL_CONFIG": str(path), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "slo", "report", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


async def test_the_bot_computes_an_slo_from_prometheus_own_request_counters(
    prometheus: PrometheusPeer, database_url: str, tmp_path: Path
) -> None:
    result = await asyncio.to_thread(report, CONFIG.format(url=prometheus.base_url), database_url, tmp_path)

    assert result.returncode == 0, result.stderr
    reports = {item["name"]: item for item in json.loads(result.stdout)}
    availability = reports["prometheus-api"]
    # Prometheus answered some queries with 400: fewer than all requests were good, so the 99 % SLO is overspent.
    assert 0.5 < availability["attainment"] < 0.99
    assert availability["budget_remaining"] < 0
    assert availability["status"] == "FAIL"
    assert availability["burn_rates"]["1h"] > 1
    assert availability["error"] is None
    latency = reports["prometheus-query-latency"]
    assert latency["status"] != "NO_DATA", latency["error"]
    assert latency["attainment"] > 0.9  # answering `up` takes microseconds, far under 100 ms


async def test_an_unreachable_prometheus_shows_no_data_with_the_reason(database_url: str, tmp_path: Path) -> None:
    config = CONFIG.format(url=f"http://127.0.0.1:{free_port()}")

    result = await asyncio.to_thread(report, config, database_url, tmp_path)

    assert result.returncode == 0, result.stderr
    [first, second] = json.loads(result.stdout)
    assert first["status"] == second["status"] == "NO_DATA"
    assert "is unreachable (connection refused)" in first["error"]

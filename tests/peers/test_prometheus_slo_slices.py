"""Calendar months, time slices and threshold SLIs measured from a REAL Prometheus, through `oncall-bot slo report`
and `slo check`, with the SLOs written as an OpenSLO file beside ONCALL_CONFIG."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.peers.prometheus import PrometheusPeer, running_prometheus

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG = """
timezone: Europe/Madrid
slos:
  - name: api-last-hour
    service: prometheus
    objective: 99%
    window: 1h
    source:
      type: prometheus
      url: {url}
      good_query: sum(increase(prometheus_http_requests_total{{code=~"2.."}}[$window]))
      total_query: sum(increase(prometheus_http_requests_total[$window]))
slo:
  openslo_files: [prometheus-slos.yaml]
"""

# Two-second slices (OpenSLO takes a number of seconds) so a Prometheus a few seconds old has many of them.
OPENSLO = """
apiVersion: openslo/v1
kind: DataSource
metadata: {{name: self}}
spec:
  type: Prometheus
  connectionDetails: {{url: "{url}"}}
---
apiVersion: openslo/v1
kind: SLI
metadata: {{name: api-answers}}
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        metricSourceRef: self
        spec: {{query: 'sum(increase(prometheus_http_requests_total{{code=~"2.."}}[$window]))'}}
    total:
      metricSource:
        metricSourceRef: self
        spec: {{query: 'sum(increase(prometheus_http_requests_total[$window]))'}}
---
# A ratio that steps at known moments: 0 before the first 400, ½ until the second, 1 after (total is 2 while up).
apiVersion: openslo/v1
kind: SLI
metadata: {{name: bad-queries-seen}}
spec:
  ratioMetric:
    counter: false
    good:
      metricSource:
        metricSourceRef: self
        spec: {{query: 'sum(prometheus_http_requests_total{{code="400"}})'}}
    total:
      metricSource:
        metricSourceRef: self
        spec: {{query: count(up) * 2}}
---
apiVersion: openslo/v1
kind: SLI
metadata: {{name: targets-up}}
spec:
  thresholdMetric:
    metricSource:
      metricSourceRef: self
      spec: {{query: sum(up)}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: api-this-month}}
spec:
  service: prometheus
  indicatorRef: api-answers
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {{startTime: "2020-01-01 00:00:00", timeZone: Europe/Madrid}}
  budgetingMethod: Occurrences
  objectives: [{{target: 0.99}}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: api-good-slices}}
spec:
  service: queries
  indicatorRef: bad-queries-seen
  timeWindow: [{{duration: 1h, isRolling: true}}]
  budgetingMethod: Timeslices
  objectives: [{{target: 0.99, timeSliceTarget: 0.99, timeSliceWindow: 2}}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: api-mean-of-slices}}
spec:
  service: queries
  indicatorRef: bad-queries-seen
  timeWindow: [{{duration: 1h, isRolling: true}}]
  budgetingMethod: RatioTimeslices
  objectives: [{{target: 0.5, timeSliceWindow: 2}}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: target-up}}
spec:
  service: scraping
  indicatorRef: targets-up
  timeWindow: [{{duration: 1h, isRolling: true}}]
  budgetingMethod: Timeslices
  objectives: [{{target: 0.99, op: gte, value: 1, timeSliceWindow: 2}}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {{name: target-down}}
spec:
  service: scraping
  indicatorRef: targets-up
  timeWindow: [{{duration: 1h, isRolling: true}}]
  budgetingMethod: Timeslices
  objectives: [{{target: 0.99, op: lt, value: 1, timeSliceWindow: 2}}]
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def prometheus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrometheusPeer]:
    """Prometheus that answered a bad query, then another one four good ones later, and some seconds of slices since."""
    async with running_prometheus(tmp_path_factory.mktemp("prometheus"), scrape_interval="1s") as peer:
        # longer than a 2 s slice between the two 400s: at least one slice ends while one 400 of two is seen
        await peer.answer_a_bad_query_in_five(pause=3)
        await asyncio.sleep(6)  # a few more slices of 2 s, some without a 400 in them
        yield peer


def run(tmp_path: Path, url: str, database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "oncall.yml").write_text(CONFIG.format(url=url))
    (tmp_path / "prometheus-slos.yaml").write_text(OPENSLO.format(url=url))
    env = {"DATABASE_URL": database_url, "ONCALL_CONFIG": str(tmp_path / "oncall.yml"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "slo", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


async def reports(prometheus: PrometheusPeer, database_url: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    result = await asyncio.to_thread(run, tmp_path, prometheus.base_url, database_url, "report", "--format", "json")
    assert result.returncode == 0, result.stderr
    return {item["name"]: item for item in json.loads(result.stdout)}


async def test_a_calendar_month_is_this_month_in_its_zone_and_counts_what_it_holds(
    prometheus: PrometheusPeer, database_url: str, tmp_path: Path
) -> None:
    found = await reports(prometheus, database_url, tmp_path)

    month = found["api-this-month"]
    now = datetime.now(ZoneInfo("Europe/Madrid"))
    assert month["window"] == "calendar month, Europe/Madrid"
    assert month["period"]["label"] == f"{now:%B}"
    assert month["period"]["day"] == now.day
    assert datetime.fromisoformat(month["period"]["start"]) == now.replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    # Prometheus is seconds old: its whole life lies in this month and in the last hour, so both count the same events.
    assert month["attainment"] == pytest.approx(found["api-last-hour"]["attainment"], abs=0.02)
    assert month["status"] == found["api-last-hour"]["status"]


async def test_time_slices_judge_each_slice_and_a_slice_without_data_counts_for_nothing(
    prometheus: PrometheusPeer, database_url: str, tmp_path: Path
) -> None:
    found = await reports(prometheus, database_url, tmp_path)

    # `up` is 1 in every slice since Prometheus started; the ~1,800 slices of the hour before it have no data.
    # Counted as bad they would leave well under 1 %; they count for nothing, so every slice with data is good.
    assert found["target-up"]["attainment"] == 1
    assert found["target-up"]["status"] == "PASS"
    assert found["target-up"]["slices"] == "of 2s slices with value ≥ 1"
    assert found["target-down"]["attainment"] == 0  # `up < 1` held in no slice
    assert found["target-down"]["status"] == "FAIL"
    # Slices before the second 400 (ratio 0 or ½) miss the 99 % slice target; those after it (ratio 1) meet it.
    slices = found["api-good-slices"]
    assert 0 < slices["attainment"] < 1, slices["error"]
    assert slices["status"] == "FAIL"
    # Averaging ratios, the ½ slices count for half: never less than counting whole good slices.
    mean = found["api-mean-of-slices"]
    assert slices["attainment"] < mean["attainment"] < 1
    assert mean["slices"] == "as the mean of 2s slices' ratios"


async def test_slo_check_measures_the_current_calendar_month(
    prometheus: PrometheusPeer, database_url: str, tmp_path: Path
) -> None:
    result = await asyncio.to_thread(
        run,
        tmp_path,
        prometheus.base_url,
        database_url,
        "check",
        "--service",
        "prometheus",
        "--availability",
        "50",
        "--window",
        "month",
    )

    now = datetime.now(ZoneInfo("Europe/Madrid"))  # the config's zone
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS     availability ≥ 50 %")
    assert f"{now:%B}, {now.day} of " in result.stdout
    assert "(calendar month, Europe/Madrid)" in result.stdout

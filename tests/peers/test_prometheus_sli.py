"""The Prometheus SLI source against a real Prometheus: its PromQL runs and its counts match Prometheus' own.

Prometheus scrapes itself every second, so the requests a test makes to it show up in its own
`prometheus_http_requests_total` and `prometheus_http_request_duration_seconds`. Every measurement is taken
at an instant Prometheus has already scraped past, so the direct query it is compared with sees exactly the
same samples.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.prometheus.client import PrometheusClient
from bot.slo.models import NoData, SloDefinition
from bot.slo.prometheus import PrometheusSli
from tests.peers.process import free_port
from tests.peers.prometheus import PrometheusPeer, running_prometheus

# One Prometheus for the module: its scrape manager waits about 5 s before the first scrape.
pytestmark = pytest.mark.asyncio(loop_scope="module")

REQUESTS = "prometheus_http_requests_total"
GOOD = f'sum(increase({REQUESTS}{{code=~"2.."}}[$window]))'
ERRORS = f'sum(increase({REQUESTS}{{code=~"4..|5.."}}[$window]))'
TOTAL = f"sum(increase({REQUESTS}[$window]))"
WINDOWS = {"1m": timedelta(minutes=1), "5m": timedelta(minutes=5)}
HISTOGRAM = "prometheus_http_request_duration_seconds"
QUERY_HANDLER = 'handler="/api/v1/query"'


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def prometheus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrometheusPeer]:
    """Prometheus that has served good and bad queries, and scraped its counters before and after them."""
    async with running_prometheus(tmp_path_factory.mktemp("prometheus"), scrape_interval="1s") as peer:
        await peer.wait_for_samples(2)
        # increase() counts nothing for a counter's first sample, so the 400s' series must exist before the
        # bad queries that are to be measured (the 200s' series already does: waiting queried Prometheus).
        assert await peer.get("/api/v1/query", query="sum(up") == 400
        await peer.wait_for_value(f'count({REQUESTS}{{code="400"}})')
        for _ in range(6):
            assert await peer.get("/api/v1/query", query="up") == 200
        for _ in range(3):
            assert await peer.get("/api/v1/query", query="sum(up") == 400
        await peer.wait_for_value(f'sum(increase({REQUESTS}{{code="400"}}[1m]))')
        yield peer


@pytest_asyncio.fixture(loop_scope="module")
async def client() -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient()
    yield client
    await client.close()


async def settled_instant(prometheus: PrometheusPeer) -> datetime:
    """Now, once Prometheus has stored a scrape after it: from then on, queries at it always agree."""
    at = datetime.now(UTC)
    await prometheus.wait_for_scrape_after(at.timestamp())
    return at


def slo(url: str, kind: str = "availability", **source: Any) -> SloDefinition:
    targets: dict[str, Any] = {"max_error_rate": "1%"} if kind == "error_rate" else {"objective": "99%"}
    if kind == "latency":
        targets["threshold"] = "100ms"
    return SloDefinition.model_validate(
        {"name": "prometheus-api", "service": "prometheus", "kind": kind, **targets}
        | {"source": {"type": "prometheus", "url": url, **source}}
    )


async def test_availability_slo_counts_what_prometheus_counts(
    prometheus: PrometheusPeer, client: PrometheusClient
) -> None:
    at = await settled_instant(prometheus)
    sli = PrometheusSli(slo(prometheus.base_url, good_query=GOOD, total_query=TOTAL), client)

    measured = await sli.measure(WINDOWS, at=at)

    for window, measurement in measured.items():
        assert 0 < measurement.good <= measurement.total
        ratio = await prometheus.query_value(f"({GOOD}) / ({TOTAL})".replace("$window", window), at=at.timestamp())
        assert measurement.good / measurement.total == pytest.approx(ratio, rel=1e-9)
        assert measurement.good < measurement.total  # the bad queries count against it


async def test_error_rate_slo_counts_requests_without_errors_as_good(
    prometheus: PrometheusPeer, client: PrometheusClient
) -> None:
    at = await settled_instant(prometheus)
    error_rate = slo(prometheus.base_url, "error_rate", error_query=ERRORS, total_query=TOTAL)
    availability = slo(prometheus.base_url, good_query=GOOD, total_query=TOTAL)

    measured = await PrometheusSli(error_rate, client).measure(WINDOWS, at=at)
    by_status_class = await PrometheusSli(availability, client).measure(WINDOWS, at=at)

    for window, measurement in measured.items():
        errors = await prometheus.query_value(ERRORS.replace("$window", window), at=at.timestamp())
        assert errors > 0
        assert measurement.good == pytest.approx(measurement.total - errors, rel=1e-9)
        # Prometheus answered only 2xx, 4xx and 5xx here, so good is exactly the 2xx of the availability SLO.
        assert measurement.total == pytest.approx(by_status_class[window].total, rel=1e-9)
        assert measurement.good == pytest.approx(by_status_class[window].good, rel=1e-9)


async def test_latency_slo_reads_the_histogram_bucket_of_its_threshold(
    prometheus: PrometheusPeer, client: PrometheusClient
) -> None:
    at = await settled_instant(prometheus)
    sli = PrometheusSli(slo(prometheus.base_url, "latency", histogram=HISTOGRAM, selector=QUERY_HANDLER), client)

    measured = await sli.measure(WINDOWS, at=at)

    for window, measurement in measured.items():
        assert 0 <= measurement.good <= measurement.total
        assert measurement.total > 0
        under_100ms = f'sum(increase({HISTOGRAM}_bucket{{{QUERY_HANDLER},le="0.1"}}[{window}]))'
        count = f"sum(increase({HISTOGRAM}_count{{{QUERY_HANDLER}}}[{window}]))"
        assert measurement.good == pytest.approx(await prometheus.query_value(under_100ms, at=at.timestamp()), rel=1e-9)
        assert measurement.total == pytest.approx(await prometheus.query_value(count, at=at.timestamp()), rel=1e-9)


async def test_promql_syntax_error_gives_no_data_with_prometheus_parse_error(
    prometheus: PrometheusPeer, client: PrometheusClient
) -> None:
    broken = f"sum(increase({REQUESTS}[$window])"
    sli = PrometheusSli(slo(prometheus.base_url, good_query=broken, total_query=TOTAL), client)

    with pytest.raises(NoData) as raised:
        await sli.measure(WINDOWS, at=datetime.now(UTC))

    assert "Prometheus rejected good_query `sum(increase(prometheus_http_requests_total[1m])`" in str(raised.value)
    assert "parse error: unclosed left parenthesis" in str(raised.value)


async def test_unreachable_prometheus_gives_no_data_without_waiting_for_the_timeout(
    client: PrometheusClient,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    # A timeout far beyond the test's patience: the refusal must end the measurement, not the timeout.
    sli = PrometheusSli(slo(url, good_query=GOOD, total_query=TOTAL, timeout="10m"), client)

    with pytest.raises(NoData) as raised:
        await sli.measure(WINDOWS, at=datetime.now(UTC))

    assert str(raised.value) == f"Prometheus at {url} is unreachable (connection refused)"

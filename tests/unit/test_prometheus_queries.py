"""The Prometheus SLI source builds the PromQL an SLO implies and reads Prometheus' answers into counts.

A fake Prometheus (an aiohttp app on 127.0.0.1) answers with canned API bodies, including the failures a
real one is hard to provoke on demand; tests/peers/test_prometheus_sli.py runs the same code against the
real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.prometheus.client import PrometheusClient
from bot.slo.models import Measurement, NoData, SloDefinition
from bot.slo.prometheus import PrometheusSli, latency_queries, le_matcher, prometheus_duration

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GOOD = 'sum(increase(http_requests_total{code!~"5.."}[$window]))'
TOTAL = "sum(increase(http_requests_total[$window]))"
ERRORS = 'sum(increase(http_requests_total{code=~"5.."}[$window]))'


def vector(*values: str) -> dict[str, Any]:
    result = [{"metric": {"instance": f"api-{i}"}, "value": [AT.timestamp(), v]} for i, v in enumerate(values)]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def scalar(value: str) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "scalar", "result": [AT.timestamp(), value]}}


@dataclass
class FakePrometheus:
    """Answers each query from `answers` (exact PromQL → body, or (status, body)); records what it was asked."""

    answers: dict[str, Any] = field(default_factory=dict)
    asked: list[dict[str, str]] = field(default_factory=list)
    slow: asyncio.Event = field(default_factory=asyncio.Event)  # a "slow" query waits until this is set
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        self.asked.append(params)
        answer = self.answers.get(params["query"], vector())
        if answer == "slow":
            await self.slow.wait()
            answer = vector("1")
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/html")
        return web.json_response(body, status=status)

    def windows_asked(self) -> set[str]:
        return {params["query"].split("[")[-1].split("]")[0] for params in self.asked}


@pytest.fixture
async def prometheus(aiohttp_server: Callable[..., Any]) -> AsyncIterator[FakePrometheus]:
    fake = FakePrometheus()
    app = web.Application()
    app.router.add_get("/api/v1/query", fake.handle)
    server: TestServer = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    fake.slow.set()  # lets a handler still waiting finish, so the server shuts down at once


@pytest.fixture
async def client() -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient()
    yield client
    await client.close()


def slo(url: str, kind: str = "availability", **source: Any) -> SloDefinition:
    targets = {"max_error_rate": "1%"} if kind == "error_rate" else {"objective": "99.9%"}
    if kind == "latency":
        targets["threshold"] = "300ms"
    return SloDefinition.model_validate(
        {
            "name": "api",
            "service": "api",
            "kind": kind,
            **targets,
            "source": {"type": "prometheus", "url": url, **source},
        }
    )


def availability(url: str, **source: Any) -> SloDefinition:
    return slo(url, good_query=GOOD, total_query=TOTAL, **source)


def with_window(query: str, window: str) -> str:
    return query.replace("$window", window)


@pytest.mark.parametrize(
    ("length", "written"),
    [
        (timedelta(days=28), "28d"),
        (timedelta(hours=6), "6h"),
        (timedelta(minutes=5), "5m"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=3, seconds=30), "3d30s"),
        (timedelta(milliseconds=1500), "1s500ms"),
    ],
)
def test_window_is_written_as_a_promql_duration(length: timedelta, written: str) -> None:
    assert prometheus_duration(length) == written


@pytest.mark.parametrize(
    ("threshold", "pattern"),
    [
        (timedelta(milliseconds=300), r"0\.3"),
        (timedelta(milliseconds=100), r"0\.1"),
        (timedelta(seconds=1), r"1|1\.0"),
        (timedelta(seconds=2.5), r"2\.5"),
        (timedelta(seconds=10), r"10|10\.0"),
    ],
)
def test_latency_bucket_matches_go_and_python_spellings_of_its_bound(threshold: timedelta, pattern: str) -> None:
    assert le_matcher(threshold) == pattern


def test_latency_queries_count_requests_under_the_threshold_and_all_requests() -> None:
    good, total = latency_queries("http_request_duration_seconds", '{job="api"}', timedelta(seconds=1))

    assert good == 'sum(increase(http_request_duration_seconds_bucket{job="api",le=~"1|1\\\\.0"}[$window]))'
    assert total == 'sum(increase(http_request_duration_seconds_count{job="api"}[$window]))'


@pytest.mark.parametrize("selector", ['job="api"', '{job="api"}', ' { job="api", } '])
def test_latency_selector_may_be_written_with_or_without_braces(selector: str) -> None:
    good, total = latency_queries("h", selector, timedelta(milliseconds=300))

    assert good == 'sum(increase(h_bucket{job="api",le=~"0\\\\.3"}[$window]))'
    assert total == 'sum(increase(h_count{job="api"}[$window]))'


def test_latency_queries_without_selector_match_every_series() -> None:
    assert latency_queries("h", "", timedelta(milliseconds=300)) == (
        'sum(increase(h_bucket{le=~"0\\\\.3"}[$window]))',
        "sum(increase(h_count[$window]))",
    )


async def test_each_window_is_queried_at_the_evaluation_time(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    sli = PrometheusSli(availability(prometheus.url), client)

    await sli.measure({"5m": timedelta(minutes=5), "window": timedelta(days=28)}, at=AT)

    assert prometheus.windows_asked() == {"5m", "28d"}
    assert len(prometheus.asked) == 4
    assert {float(params["time"]) for params in prometheus.asked} == {AT.timestamp()}


async def test_vector_answer_is_summed_over_its_series(prometheus: FakePrometheus, client: PrometheusClient) -> None:
    prometheus.answers[with_window(GOOD, "1h")] = vector("90", "8.5")
    prometheus.answers[with_window(TOTAL, "1h")] = vector("100", "10", "NaN")

    measured = await PrometheusSli(availability(prometheus.url), client).measure({"1h": timedelta(hours=1)}, at=AT)

    assert measured == {"1h": Measurement(good=98.5, total=110)}


async def test_window_without_traffic_measures_zero_events(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    prometheus.answers[with_window(GOOD, "5m")] = vector()
    prometheus.answers[with_window(TOTAL, "5m")] = scalar("NaN")

    measured = await PrometheusSli(availability(prometheus.url), client).measure({"5m": timedelta(minutes=5)}, at=AT)

    assert measured == {"5m": Measurement(good=0, total=0)}


async def test_scalar_answer_is_its_value(prometheus: FakePrometheus, client: PrometheusClient) -> None:
    prometheus.answers[with_window(GOOD, "1d")] = scalar("999")
    prometheus.answers[with_window(TOTAL, "1d")] = scalar("1000")

    measured = await PrometheusSli(availability(prometheus.url), client).measure({"1d": timedelta(days=1)}, at=AT)

    assert measured == {"1d": Measurement(good=999, total=1000)}


async def test_error_rate_slo_counts_requests_without_errors_as_good(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    prometheus.answers[with_window(ERRORS, "1h")] = vector("3")
    prometheus.answers[with_window(TOTAL, "1h")] = vector("200")
    prometheus.answers[with_window(ERRORS, "5m")] = vector("7")  # scraped after the total: more errors than requests
    prometheus.answers[with_window(TOTAL, "5m")] = vector("5")
    definition = slo(prometheus.url, "error_rate", error_query=ERRORS, total_query=TOTAL)

    measured = await PrometheusSli(definition, client).measure(
        {"1h": timedelta(hours=1), "5m": timedelta(minutes=5)}, at=AT
    )

    assert measured == {"1h": Measurement(good=197, total=200), "5m": Measurement(good=0, total=5)}


async def test_latency_slo_reads_the_bucket_of_its_threshold(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    definition = slo(prometheus.url, "latency", histogram="http_request_duration_seconds", selector='job="api"')
    good, total = latency_queries("http_request_duration_seconds", 'job="api"', timedelta(milliseconds=300))
    prometheus.answers[with_window(good, "6h")] = vector("950")
    prometheus.answers[with_window(total, "6h")] = vector("1000")

    measured = await PrometheusSli(definition, client).measure({"6h": timedelta(hours=6)}, at=AT)

    assert measured == {"6h": Measurement(good=950, total=1000)}


async def test_latency_threshold_that_is_no_bucket_bound_gives_no_data_rather_than_zero(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    definition = slo(prometheus.url, "latency", histogram="http_request_duration_seconds")
    _, total = latency_queries("http_request_duration_seconds", "", timedelta(milliseconds=300))
    prometheus.answers[with_window(total, "6h")] = vector("1000")  # no bucket answers: le="0.3" does not exist

    with pytest.raises(NoData, match=r"no bucket le=0\.3"):
        await PrometheusSli(definition, client).measure({"6h": timedelta(hours=6)}, at=AT)


async def test_query_prometheus_rejects_gives_no_data_with_its_reason(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    error = 'invalid parameter "query": 1:18: parse error: unclosed left parenthesis'
    prometheus.answers[with_window(GOOD, "5m")] = (400, {"status": "error", "errorType": "bad_data", "error": error})

    with pytest.raises(NoData) as raised:
        await PrometheusSli(availability(prometheus.url), client).measure({"5m": timedelta(minutes=5)}, at=AT)

    assert str(raised.value) == f"Prometheus rejected good_query `{with_window(GOOD, '5m')}`: {error}"


async def test_proxy_error_page_gives_no_data_with_its_status(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    prometheus.answers[with_window(TOTAL, "5m")] = (502, "<html>Bad Gateway</html>")

    with pytest.raises(NoData, match="HTTP 502 without a query result to total_query"):
        await PrometheusSli(availability(prometheus.url), client).measure({"5m": timedelta(minutes=5)}, at=AT)


@pytest.mark.parametrize(
    "data",
    [
        {"resultType": "matrix", "result": []},
        {"resultType": "string", "result": [0, "text"]},
    ],
)
async def test_query_giving_a_range_or_a_string_gives_no_data(
    prometheus: FakePrometheus, client: PrometheusClient, data: dict[str, Any]
) -> None:
    prometheus.answers[with_window(GOOD, "5m")] = {"status": "success", "data": data}

    with pytest.raises(NoData, match=f"good_query .* gives a {data['resultType']}, not one number"):
        await PrometheusSli(availability(prometheus.url), client).measure({"5m": timedelta(minutes=5)}, at=AT)


async def test_infinite_count_gives_no_data(prometheus: FakePrometheus, client: PrometheusClient) -> None:
    prometheus.answers[with_window(TOTAL, "5m")] = vector("10", "+Inf")

    with pytest.raises(NoData, match=r"total_query .* gives inf, not a count of events"):
        await PrometheusSli(availability(prometheus.url), client).measure({"5m": timedelta(minutes=5)}, at=AT)


async def test_prometheus_slower_than_the_timeout_gives_no_data(
    prometheus: FakePrometheus, client: PrometheusClient
) -> None:
    prometheus.answers[with_window(TOTAL, "5m")] = "slow"
    definition = availability(prometheus.url, timeout=timedelta(milliseconds=200))

    with pytest.raises(NoData) as raised:
        await PrometheusSli(definition, client).measure({"5m": timedelta(minutes=5)}, at=AT)

    assert str(raised.value) == f"Prometheus at {prometheus.url} did not answer within 200ms"

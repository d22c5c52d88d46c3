"""A real Prometheus, started as a peer process for end-to-end tests of the Prometheus SLI source.

A canned API answer only proves the client agrees with our reading of the documentation. The real server
(Debian's `prometheus`) proves that our PromQL parses, that `increase()` over its counters and histogram
buckets gives what we expect at a chosen evaluation time, and how it words its errors. It scrapes itself,
so its own `prometheus_http_requests_total` and `prometheus_http_request_duration_seconds` are the traffic
a test generates and then measures.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.helpers import eventually
from tests.peers.process import PeerProcess, free_port, stop

BINARY = Path("/usr/bin/prometheus")
JOB = "prometheus"
READY_WITHIN = 20.0


class PrometheusPeer(PeerProcess):
    """One running Prometheus: its query API, a way to make traffic to it, and its log for failure messages."""

    name = "prometheus"

    async def get(self, path: str, **params: str) -> int:
        """Request `path` (traffic that Prometheus counts in its own metrics); return the HTTP status."""
        async with self._session.get(f"{self._base_url}{path}", params=params, allow_redirects=False) as response:
            await response.read()
            return response.status

    async def query(self, promql: str, *, at: float | None = None) -> list[dict[str, Any]]:
        """The instant vector `promql` gives (at `at`, unix seconds, or now); RuntimeError if Prometheus refuses."""
        params = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
        async with self._session.get(f"{self._base_url}/api/v1/query", params=params) as response:
            body = await response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"Prometheus refused {promql!r}: {body.get('error')}")
        data = body["data"]
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        if data["resultType"] != "vector":
            raise RuntimeError(f"{promql!r} gives a {data['resultType']}, not an instant vector")
        result: list[dict[str, Any]] = data["result"]
        return result

    async def query_value(self, promql: str, *, at: float | None = None) -> float:
        """The single number `promql` gives; AssertionError (so `eventually` retries) while it gives none."""
        result = await self.query(promql, at=at)
        assert len(result) == 1, f"{promql!r} gives {len(result)} series, not one: {result}"
        return float(result[0]["value"][1])

    async def wait_for_value(self, promql: str, *, above: float = 0.0, within: float = 20.0) -> float:
        """Wait until `promql` gives one number greater than `above` (≥ 0), e.g. until an increase is visible."""

        async def check() -> float:
            value = await self.query_value(promql)
            assert value > above, f"{promql!r} is {value}, not above {above}"
            return value

        return await eventually(check, within=within, interval=0.2)

    async def wait_for_samples(self, count: int, *, metric: str = "up", within: float = 20.0) -> None:
        """Wait until Prometheus holds at least `count` scraped samples of `metric` from itself."""
        await self.wait_for_value(f'count_over_time({metric}{{job="{JOB}"}}[1h])', above=count - 1, within=within)

    async def answer_a_bad_query_in_five(self, *, pause: float = 0.0) -> None:
        """Answer a bad query (400), four good ones, `pause` seconds, then another bad one, and wait until scraped."""
        await self.wait_for_samples(2)
        assert await self.get("/api/v1/query", query="sum(up") == 400  # the 400s' series must exist first
        await self.wait_for_value('count(prometheus_http_requests_total{code="400"})')
        for _ in range(4):
            assert await self.get("/api/v1/query", query="up") == 200
        await asyncio.sleep(pause)
        assert await self.get("/api/v1/query", query="sum(up") == 400
        await self.wait_for_value('sum(increase(prometheus_http_requests_total{code="400"}[1h]))')

    async def wait_for_scrape_after(self, at: float, *, within: float = 20.0) -> None:
        """Wait until a scrape later than `at` is stored, so queries at `at` see every sample they ever will."""
        # One target's scrapes are appended in order: a later sample means all earlier ones are in.
        await self.wait_for_value(f'timestamp(up{{job="{JOB}"}})', above=at, within=within)


def write_config(
    path: Path,
    address: str,
    *,
    scrape_interval: str,
    rules: list[dict[str, Any]] | None = None,
    alertmanager: str | None = None,
) -> None:
    # The timeout must not exceed the interval, and Prometheus' default (10s) would at 1s.
    timing = {"scrape_interval": scrape_interval, "scrape_timeout": scrape_interval}
    config: dict[str, Any] = {
        "global": {**timing, "evaluation_interval": scrape_interval},
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [address]}]}],
    }
    if rules:  # alerting rules, evaluated every scrape_interval, in a file of their own beside the config
        rules_path = path.with_name("rules.yml")
        rules_path.write_text(yaml.safe_dump({"groups": [{"name": "test", "rules": rules}]}, sort_keys=False))
        config["rule_files"] = [str(rules_path)]
    if alertmanager is not None:  # host:port of the Alertmanager the rules' alerts go to
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    path.write_text(yaml.safe_dump(config, sort_keys=False))


@asynccontextmanager
async def running_prometheus(
    tmp_path: Path,
    *,
    scrape_interval: str = "1s",
    rules: list[dict[str, Any]] | None = None,
    alertmanager: str | None = None,
) -> AsyncIterator[PrometheusPeer]:
    """Prometheus on 127.0.0.1 scraping itself every `scrape_interval`, ready to answer queries.

    `rules` (alerting rules) fire to the Alertmanager at `alertmanager` (host:port) when given.
    """
    # Skipping would let a machine without the peer pass the end-to-end tests without running them.
    if not os.access(BINARY, os.X_OK):
        raise RuntimeError(f"{BINARY} is missing: run `make test` (the Makefile installs prometheus)")
    address = f"127.0.0.1:{free_port()}"
    config_path = tmp_path / "prometheus.yml"
    write_config(config_path, address, scrape_interval=scrape_interval, rules=rules, alertmanager=alertmanager)
    storage_path = tmp_path / "prometheus-data"
    storage_path.mkdir(exist_ok=True)
    log_path = tmp_path / "prometheus.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(BINARY),
            f"--config.file={config_path}",
            f"--storage.tsdb.path={storage_path}",
            f"--web.listen-address={address}",
            # Debian's defaults point at /etc/prometheus; a test's Prometheus reads nothing outside tmp_path.
            f"--web.console.templates={tmp_path}",
            f"--web.console.libraries={tmp_path}",
            # Alerts found before the Alertmanager is discovered (it takes ~5 s) are sent again within a
            # second, not after the default minute.
            "--rules.alert.resend-delay=1s",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                peer = PrometheusPeer(f"http://{address}", session, process, log_path)
                await peer._wait_ready(READY_WITHIN)
                yield peer
        finally:
            await stop(process)

"""A real Prometheus Alertmanager, started as a peer process for end-to-end tests.

A hand-written payload only proves the parser agrees with our reading of the documentation. Running the
real binary (Debian's `prometheus-alertmanager`) proves it agrees with what Alertmanager actually sends:
grouping, `groupKey`, fingerprints, Go's zero `endsAt`, resolved notifications, bearer authorization and
retries after a failed delivery. Tests post alerts to its API and read its own metrics to see whether it
thinks its notifications succeeded.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.peers.process import PeerProcess, free_port, stop

BINARY = Path("/usr/bin/prometheus-alertmanager")
READY_WITHIN = 20.0
RECEIVER = "oncall-bot"


class AlertmanagerPeer(PeerProcess):
    """One running Alertmanager: its API, its metrics, and its log for failure messages."""

    name = "prometheus-alertmanager"

    async def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """Send alerts the way Prometheus does; `endsAt` in the past resolves an alert."""
        async with self._session.post(f"{self._base_url}/api/v2/alerts", json=alerts) as response:
            if response.status != 200:
                raise RuntimeError(f"Alertmanager refused the alerts: HTTP {response.status}: {await response.text()}")

    async def metric_total(self, name: str, **label_filter: str) -> float:
        """Sum of the samples named `name` (with `_total` for counters) whose labels include `label_filter`."""
        total, _ = await self._sum(name, label_filter)
        return total

    async def notifications_failed(self) -> float:
        """Webhook notifications that failed after all retries (not single failed attempts)."""
        return await self._required_total("alertmanager_notifications_failed_total", integration="webhook")

    async def notifications_sent(self) -> float:
        """Webhook notifications attempted; Alertmanager counts a failed one here too."""
        return await self._required_total("alertmanager_notifications_total", integration="webhook")

    async def _required_total(self, name: str, **label_filter: str) -> float:
        total, found = await self._sum(name, label_filter)
        # A renamed metric must fail loudly: reading it as 0 would make "no failures" pass vacuously.
        if not found:
            raise RuntimeError(f"Alertmanager exports no {name} samples matching {label_filter}")
        return total

    async def _sum(self, name: str, label_filter: dict[str, str]) -> tuple[float, bool]:
        async with self._session.get(f"{self._base_url}/metrics") as response:
            response.raise_for_status()
            text = await response.text()
        total = 0.0
        found = False
        for family in text_string_to_metric_families(text):
            # The parser drops `_total` from a counter family's name but keeps it on its samples.
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in label_filter.items()):
                    total += sample.value
                    found = True
        return total, found


def write_config(
    path: Path,
    webhook_url: str,
    *,
    bearer_token: str | None,
    group_by: Sequence[str],
    group_wait: str,
    group_interval: str,
    repeat_interval: str,
    send_resolved: bool,
) -> None:
    webhook: dict[str, Any] = {"url": webhook_url, "send_resolved": send_resolved, "max_alerts": 0}
    if bearer_token is not None:
        webhook["http_config"] = {"authorization": {"type": "Bearer", "credentials": bearer_token}}
    config = {
        "route": {
            "receiver": RECEIVER,
            "group_by": list(group_by),
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        },
        "receivers": [{"name": RECEIVER, "webhook_configs": [webhook]}],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


@asynccontextmanager
async def running_alertmanager(
    webhook_url: str,
    *,
    bearer_token: str | None,
    tmp_path: Path,
    group_by: Sequence[str] = ("alertname",),
    group_wait: str = "1s",
    group_interval: str = "2s",
    repeat_interval: str = "1h",
    send_resolved: bool = True,
) -> AsyncIterator[AlertmanagerPeer]:
    """Alertmanager routing every alert to one webhook receiver at `webhook_url`, ready to take alerts."""
    # Skipping would let a machine without the peer pass the end-to-end tests without running them.
    if not os.access(BINARY, os.X_OK):
        raise RuntimeError(f"{BINARY} is missing: run `make test` (the Makefile installs prometheus-alertmanager)")
    config_path = tmp_path / "alertmanager.yml"
    write_config(
        config_path,
        webhook_url,
        bearer_token=bearer_token,
        group_by=group_by,
        group_wait=group_wait,
        group_interval=group_interval,
        repeat_interval=repeat_interval,
        send_resolved=send_resolved,
    )
    storage_path = tmp_path / "alertmanager-data"
    storage_path.mkdir(exist_ok=True)
    log_path = tmp_path / "alertmanager.log"
    base_url = f"http://127.0.0.1:{free_port()}"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(BINARY),
            f"--config.file={config_path}",
            f"--storage.path={storage_path}",
            f"--web.listen-address={base_url.removeprefix('http://')}",
            # Empty disables gossip: no port 9094 clash between parallel runs, no wait for peers to settle.
            "--cluster.listen-address=",
            "--log.level=debug",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                peer = AlertmanagerPeer(base_url, session, process, log_path)
                await peer._wait_ready(READY_WITHIN)
                yield peer
        finally:
            await stop(process)

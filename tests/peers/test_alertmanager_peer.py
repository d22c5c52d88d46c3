"""The real Alertmanager and our webhook parser agree: what it sends is what `parse` reads.

Alertmanager posts to a small recording server rather than the bot, so these tests need no database and
show the raw delivery (body and headers) next to what the parser makes of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.alerts.models import AlertStatus
from handlers.webhooks import alertmanager
from tests.helpers import eventually
from tests.peers.alertmanager import running_alertmanager

TOKEN = "peer-test-token-0123456789"
STARTS_AT = datetime.now(UTC).replace(microsecond=0).isoformat()
DISK_FULL: dict[str, Any] = {
    "labels": {"alertname": "DiskFull", "severity": "critical", "service": "db"},
    "annotations": {
        "summary": "Disk on db-1 is 95% full",
        "description": "/var/lib/postgresql has 2 GiB left",
        "runbook_url": "https://runbooks.example.com/disk-full",
    },
    "startsAt": STARTS_AT,
    "generatorURL": "http://prometheus.example.com/graph?g0.expr=disk_free",
}


@dataclass
class Delivery:
    body: dict[str, Any]
    authorization: str | None


@dataclass
class WebhookRecorder:
    """Records every POST; answers `status`, which a test may change before Alertmanager starts."""

    status: int = 200
    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.deliveries.append(Delivery(await request.json(), request.headers.get("Authorization")))
        return web.Response(status=self.status)

    def with_status(self, status: str) -> list[Delivery]:
        return [delivery for delivery in self.deliveries if delivery.body.get("status") == status]


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookRecorder]:
    recorder = WebhookRecorder()
    app = web.Application()
    app.router.add_post("/webhooks/alertmanager", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        recorder.url = f"http://{host}:{port}/webhooks/alertmanager"
        yield recorder
    finally:
        await runner.cleanup()


async def test_firing_then_resolved_alert_reaches_the_parser(webhook: WebhookRecorder, tmp_path: Path) -> None:
    async with running_alertmanager(webhook.url, bearer_token=TOKEN, tmp_path=tmp_path) as peer:
        await peer.post_alerts([DISK_FULL])

        firing = (await eventually(lambda: webhook.with_status("firing"), within=8))[0]
        assert firing.body["version"] == "4"
        assert firing.body["groupKey"]
        assert firing.authorization == f"Bearer {TOKEN}"
        [alert] = alertmanager.parse(firing.body)
        assert alert.status is AlertStatus.FIRING
        assert alert.labels == DISK_FULL["labels"]
        assert alert.summary == "Disk on db-1 is 95% full"
        assert alert.runbook_url == "https://runbooks.example.com/disk-full"
        assert alert.severity == "critical"
        assert alert.fingerprint
        assert alert.ends_at is None
        assert alert.group_key == firing.body["groupKey"]

        # Prometheus resolves an alert by sending it again with endsAt set.
        await peer.post_alerts([{**DISK_FULL, "endsAt": datetime.now(UTC).isoformat()}])

        resolved = (await eventually(lambda: webhook.with_status("resolved"), within=8))[0]
        assert resolved.authorization == f"Bearer {TOKEN}"
        assert resolved.body["groupKey"] == firing.body["groupKey"]
        [ended] = alertmanager.parse(resolved.body)
        assert ended.status is AlertStatus.RESOLVED
        assert ended.fingerprint == alert.fingerprint
        assert ended.ends_at is not None

        assert await peer.notifications_failed() == 0
        assert await peer.notifications_sent() >= 2


async def test_a_failing_webhook_shows_in_the_failure_metric(webhook: WebhookRecorder, tmp_path: Path) -> None:
    webhook.status = 500
    async with running_alertmanager(webhook.url, bearer_token=None, tmp_path=tmp_path) as peer:
        assert await peer.notifications_failed() == 0
        await peer.post_alerts([DISK_FULL])

        attempt = (await eventually(lambda: webhook.deliveries, within=8))[0]
        assert attempt.authorization is None

        # Alertmanager retries a 5xx until the flush deadline, at least 10 s, before counting a failure.
        failures: float = await eventually(peer.notifications_failed, within=15, interval=0.25)
        assert failures >= 1
        assert len(webhook.deliveries) > 1  # the retries really reached the server

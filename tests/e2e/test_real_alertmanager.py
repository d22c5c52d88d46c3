"""A real Prometheus Alertmanager notifies the bot: incidents open, resolve, and storms stay small."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from storage.tables import Alert, Incident
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace
from tests.helpers import eventually
from tests.peers.alertmanager import running_alertmanager


def alert(name: str, *, severity: str = "critical", ends_at: datetime | None = None, **labels: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "labels": {"alertname": name, "severity": severity, **labels},
        "annotations": {"summary": f"{name} is firing", "runbook_url": f"https://runbooks.example.com/{name}"},
        "startsAt": STARTED.isoformat(),
        "generatorURL": f"http://prometheus.example.com/graph?g0.expr={name}",
    }
    if ends_at is not None:
        body["endsAt"] = ends_at.isoformat()
    return body


STARTED = datetime.now(UTC).replace(microsecond=0)


async def stored_alerts(workspace: Workspace) -> int:
    async with workspace.database.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(Alert))).one())


async def test_critical_alert_opens_a_channel_and_its_resolution_reaches_it(
    start_bot: StartBot, tmp_path: Path
) -> None:
    workspace = await start_bot()
    url = str(workspace.server.make_url("/webhooks/alertmanager"))
    async with running_alertmanager(url, bearer_token=WEBHOOK_TOKEN, tmp_path=tmp_path) as alertmanager:
        await alertmanager.post_alerts([alert("DiskFull", instance="db-1")])
        channels = await eventually(workspace.incident_channels, within=20)
        await workspace.settle()
        [channel] = channels
        assert channel.name.startswith("inc-1-diskfull-is-firing")
        assert any(text == "Alerts of INC-1: 1 firing, 0 resolved" for text in workspace.posts(channel.id))

        await alertmanager.post_alerts([alert("DiskFull", instance="db-1", ends_at=datetime.now(UTC))])

        async def all_clear() -> bool:
            await workspace.settle()
            return any("The alert of INC-1 has resolved" in text for text in workspace.posts(channel.id))

        await eventually(all_clear, within=20)
        assert await alertmanager.notifications_failed() == 0, alertmanager.log_tail()
        assert await alertmanager.notifications_sent() >= 2


async def test_a_storm_of_hundreds_of_alerts_opens_few_channels_and_loses_none(
    start_bot: StartBot, tmp_path: Path
) -> None:
    workspace = await start_bot("storm:\n  max_new_incidents_per_minute: 5\n")
    url = str(workspace.server.make_url("/webhooks/alertmanager"))
    storm = [alert(f"Node{number:03d}Down", instance=f"node-{number}") for number in range(300)]
    # Alertmanager gives each notification until the group's next interval (10 s at least) to be
    # answered. Its default group_interval is 5 minutes; the 2 s other tests use to see resolutions
    # quickly would leave a loaded CI machine 10 s for 300 first deliveries, which is not the point.
    async with running_alertmanager(
        url, bearer_token=WEBHOOK_TOKEN, tmp_path=tmp_path, group_interval="1m"
    ) as alertmanager:
        await alertmanager.post_alerts(storm)

        async def every_alert_stored() -> bool:
            return await stored_alerts(workspace) == len(storm)

        await eventually(every_alert_stored, within=60, interval=0.5)
        await workspace.settle(within=120)
        assert len(workspace.incident_channels()) == 6  # five incidents, then one storm incident
        assert await alertmanager.notifications_failed() == 0, alertmanager.log_tail()
    async with workspace.database.transaction() as session:
        [storm_incident] = (await session.exec(select(Incident).where(col(Incident.is_storm).is_(True)))).all()
    assert storm_incident.channel_id is not None
    listing = [text for text in workspace.posts(storm_incident.channel_id) if text.startswith("Alerts of INC-")]
    assert listing == [f"Alerts of INC-{storm_incident.id}: 295 firing, 0 resolved"]

"""Heartbeats: beats over HTTP, the leader's tick at times the test chooses, pause, and Alertmanager's Watchdog."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.heartbeats.views import heartbeats_command
from bot.keys import begin_key, config_key, database_key, heartbeats_key, scheduler_key
from handlers.jobs.runner import Scheduler
from storage.tables import Alert, Heartbeat, Incident
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace
from tests.helpers import eventually
from tests.peers.alertmanager import running_alertmanager
from tests.peers.prometheus import running_prometheus

CONFIG = """
heartbeats:
  - name: nightly-backup
    timeout: 10m
    severity: critical
    labels: {team: storage}
  - name: alertmanager
    timeout: 5m
    severity: info
watchdog:
  heartbeat: alertmanager
"""


async def start(start_bot: StartBot) -> Workspace:
    workspace = await start_bot(CONFIG)
    workspace.slack.add_channel("alerts", creator=workspace.people.alice)  # where alerts without incidents go
    return workspace


async def beat(workspace: Workspace, name: str) -> dict[str, object]:
    response = await workspace.client.post(
        f"/webhooks/heartbeat/{name}", headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def tick(workspace: Workspace, now: datetime) -> list[str]:
    raised = await workspace.server.app[scheduler_key].tick_heartbeats(now)
    await workspace.settle()
    return raised


async def alerts(workspace: Workspace) -> list[Alert]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(Alert).where(Alert.source == "heartbeat"))).all())


async def incidents(workspace: Workspace) -> list[Incident]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(Incident))).all())


async def row(workspace: Workspace, name: str) -> Heartbeat:
    async with workspace.database.transaction() as session:
        found = await session.get(Heartbeat, name)
    assert found is not None
    return found


async def test_a_beat_within_the_timeout_raises_nothing(start_bot: StartBot) -> None:
    workspace = await start(start_bot)
    assert await beat(workspace, "nightly-backup") == {"heartbeat": "nightly-backup", "resolved": False}
    now = datetime.now(UTC)
    assert await tick(workspace, now + timedelta(minutes=4)) == []
    assert await tick(workspace, now + timedelta(minutes=9)) == ["alertmanager"]  # never beaten: 5m from start-up
    assert [alert.labels["heartbeat"] for alert in await alerts(workspace)] == ["alertmanager"]
    assert await incidents(workspace) == []


async def test_silence_past_the_timeout_raises_once_and_the_next_beat_resolves_it(start_bot: StartBot) -> None:
    workspace = await start(start_bot)
    await beat(workspace, "nightly-backup")
    later = (await row(workspace, "nightly-backup")).last_beat_at
    assert later is not None
    assert await tick(workspace, later + timedelta(minutes=11)) == ["nightly-backup", "alertmanager"]
    assert await tick(workspace, later + timedelta(minutes=12)) == []  # raised already: not again
    app = workspace.server.app
    restarted = Scheduler(app[database_key], app[begin_key], app[config_key])
    assert await restarted.tick_heartbeats(later + timedelta(minutes=13)) == []  # a restart: not again either
    await workspace.settle()

    [backup] = [alert for alert in await alerts(workspace) if alert.labels["heartbeat"] == "nightly-backup"]
    assert backup.status == "firing"
    assert backup.labels == {"alertname": "HeartbeatMissing", "team": "storage", "heartbeat": "nightly-backup"}
    assert backup.starts_at == later + timedelta(minutes=10)
    [incident] = await incidents(workspace)  # critical opens one; the watchdog's info is only posted
    assert "nightly-backup" in incident.title

    assert await beat(workspace, "nightly-backup") == {"heartbeat": "nightly-backup", "resolved": True}
    await workspace.settle()
    [backup] = [alert for alert in await alerts(workspace) if alert.labels["heartbeat"] == "nightly-backup"]
    assert backup.status == "resolved"
    assert not (await row(workspace, "nightly-backup")).raised
    # Silent again: raised again, as the same alert firing anew.
    again = datetime.now(UTC) + timedelta(minutes=11)
    assert "nightly-backup" in await tick(workspace, again)
    [backup] = [alert for alert in await alerts(workspace) if alert.labels["heartbeat"] == "nightly-backup"]
    assert backup.status == "firing"


async def test_two_replicas_ticking_at_once_raise_each_heartbeat_once(start_bot: StartBot) -> None:
    workspace = await start(start_bot)
    app = workspace.server.app
    other = Scheduler(app[database_key], app[begin_key], app[config_key])  # a second replica, a moment leader too
    late = datetime.now(UTC) + timedelta(hours=1)
    first, second = await asyncio.gather(app[scheduler_key].tick_heartbeats(late), other.tick_heartbeats(late))
    assert sorted(first + second) == ["alertmanager", "nightly-backup"]
    await workspace.settle()
    assert sorted(alert.labels["heartbeat"] for alert in await alerts(workspace)) == ["alertmanager", "nightly-backup"]
    assert len(await incidents(workspace)) == 1


async def test_a_paused_heartbeat_raises_nothing_and_resumes_from_the_resume(start_bot: StartBot) -> None:
    workspace = await start(start_bot)
    app, alice = workspace.server.app, workspace.people.alice
    now = datetime.now(UTC)
    said = await heartbeats_command(app[heartbeats_key], app[begin_key], "pause nightly-backup", user=alice, now=now)
    assert said.startswith(":double_vertical_bar: Heartbeat *nightly-backup* is paused by")
    assert "nightly-backup" not in await tick(workspace, now + timedelta(days=2))
    assert not [a for a in await alerts(workspace) if a.labels["heartbeat"] == "nightly-backup"]
    listing = await heartbeats_command(app[heartbeats_key], app[begin_key], "", user=alice, now=now)
    assert "• *nightly-backup* (every 10m): :double_vertical_bar: paused; last beat never" in listing

    resumed_at = now + timedelta(days=2)
    await heartbeats_command(app[heartbeats_key], app[begin_key], "resume nightly-backup", user=alice, now=resumed_at)
    assert "nightly-backup" not in await tick(workspace, resumed_at + timedelta(minutes=9))
    assert "nightly-backup" in await tick(workspace, resumed_at + timedelta(minutes=11))


async def test_an_unknown_heartbeat_is_a_404_with_one_line_and_the_token_is_required(start_bot: StartBot) -> None:
    workspace = await start(start_bot)
    response = await workspace.client.post(
        "/webhooks/heartbeat/nope", headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )
    assert response.status == 404
    body = await response.json()
    assert body["message"] == "There is no heartbeat `nope`; heartbeats: nightly-backup, alertmanager"
    response = await workspace.client.post("/webhooks/heartbeat/nightly-backup")
    assert response.status == 401
    response = await workspace.webhook("heartbeat", b"")
    assert response.status == 404
    assert (await response.json())["message"] == "a heartbeat beats at /webhooks/heartbeat/<name>: add its name"


async def nothing_stored_or_posted(workspace: Workspace) -> None:
    """No alert stored, no incident opened, nothing posted in the alerts channel."""
    await workspace.settle()
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(Alert))).all() == []
    assert await incidents(workspace) == []
    room = workspace.slack.channel_by_name("alerts")
    assert room is not None and workspace.posts(room.id) == []


def watchdog(status: str = "firing") -> dict[str, object]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="Watchdog"}',
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "Watchdog", "severity": "critical"},
                "annotations": {"summary": "The alerting pipeline is alive"},
                "startsAt": "2026-12-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "0123456789abcdef",
            }
        ],
    }


async def test_alertmanagers_watchdog_is_a_beat_and_opens_nothing(start_bot: StartBot) -> None:
    workspace = await start(start_bot)
    for _ in range(2):  # Alertmanager resends it unchanged: each resend is a beat
        response = await workspace.webhook("alertmanager", watchdog())
        assert response.status == 200, await response.text()
        assert (await response.json())["accepted"] == 1
    await nothing_stored_or_posted(workspace)
    beaten = (await row(workspace, "alertmanager")).last_beat_at
    assert beaten is not None
    assert "alertmanager" not in await tick(workspace, beaten + timedelta(minutes=4))
    assert "alertmanager" in await tick(workspace, beaten + timedelta(minutes=6))
    await workspace.webhook("alertmanager", watchdog())  # Alertmanager is back: resolved
    assert not (await row(workspace, "alertmanager")).raised


async def test_a_real_prometheus_watchdog_through_a_real_alertmanager_beats_and_opens_nothing(
    start_bot: StartBot, tmp_path: Path
) -> None:
    workspace = await start(start_bot)
    url = str(workspace.server.make_url("/webhooks/alertmanager"))
    # kube-prometheus' Watchdog: always firing, so its absence shows the alerting pipeline is broken.
    rules = [{"alert": "Watchdog", "expr": "vector(1)", "labels": {"severity": "none"}}]
    async with (
        running_alertmanager(url, bearer_token=WEBHOOK_TOKEN, tmp_path=tmp_path) as alertmanager,
        running_prometheus(tmp_path, rules=rules, alertmanager=alertmanager.base_url.removeprefix("http://")),
    ):

        async def beaten() -> datetime:
            found = await row(workspace, "alertmanager")
            assert found.last_beat_at is not None, alertmanager.log_tail()
            return found.last_beat_at

        at = await eventually(beaten, within=30)
        assert await alertmanager.notifications_failed() == 0, alertmanager.log_tail()
    await nothing_stored_or_posted(workspace)
    assert "alertmanager" not in await tick(workspace, at + timedelta(minutes=4))

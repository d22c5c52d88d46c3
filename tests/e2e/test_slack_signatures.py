"""Only Slack, signing with our secret within five minutes, can drive the bot."""

from __future__ import annotations

import time

import aiohttp
from sqlmodel import select

from storage.tables import Incident
from tests.e2e.conftest import Workspace


def _command(workspace: Workspace, text: str) -> dict[str, str]:
    return {
        "command": "/incident",
        "text": text,
        "user_id": workspace.people.alice,
        "channel_id": workspace.general,
        "team_id": workspace.slack.team_id,
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:1/unused",
    }


async def _incidents(workspace: Workspace) -> list[Incident]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(Incident))).all())


async def test_wrong_signature_gets_401_and_declares_nothing(workspace: Workspace) -> None:
    delivery = await workspace.slack.deliver("command", _command(workspace, "declare Forged"), signing_secret="guess")
    assert delivery.status == 401
    assert await _incidents(workspace) == []


async def test_signature_older_than_five_minutes_gets_401(workspace: Workspace) -> None:
    stale = int(time.time()) - 6 * 60
    delivery = await workspace.slack.deliver("command", _command(workspace, "declare Replayed"), timestamp=stale)
    assert delivery.status == 401
    assert await _incidents(workspace) == []


async def test_forged_event_gets_401(workspace: Workspace) -> None:
    envelope = workspace.slack.event_envelope(
        {"type": "message", "channel": workspace.general, "user": "U1", "text": "hi", "ts": "1700000000.000100"}
    )
    assert (await workspace.slack.deliver("event", envelope, signing_secret="wrong")).status == 401


async def test_correctly_signed_request_is_accepted(workspace: Workspace) -> None:
    delivery = await workspace.slack.deliver("command", _command(workspace, "declare Real"))
    assert delivery.status == 200
    assert [incident.title for incident in await _incidents(workspace)] == ["Real"]


async def test_health_endpoints_report_alive_and_ready(workspace: Workspace) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(workspace.server.make_url("/healthz")) as response:
            assert response.status == 200
        async with http.get(workspace.server.make_url("/readyz")) as response:
            assert response.status == 200 and (await response.json())["database"] == "ok"


async def test_a_replayed_signed_command_acts_once(workspace: Workspace) -> None:
    body = _command(workspace, "declare Replayed within the window")
    timestamp = int(time.time())
    first = await workspace.slack.deliver("command", body, timestamp=timestamp)
    again = await workspace.slack.deliver("command", body, timestamp=timestamp)  # same bytes, same signature
    assert first.status == again.status == 200
    assert [incident.title for incident in await _incidents(workspace)] == ["Replayed within the window"]


async def test_a_replayed_button_click_acts_once(workspace: Workspace) -> None:
    await workspace.declare("Checkout is down sev2")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    [summary_ts] = workspace.slack.pins(channel.id)
    click = dict(
        user=workspace.people.alice,
        channel=channel.id,
        message_ts=summary_ts,
        action_id="incident_severity",
        block_id="incident_actions_1",
    )
    await workspace.slack.click_button(**click, selected_option="SEV1")
    replayed = workspace.slack.deliveries[-1]
    await workspace.settle()
    await workspace.command("severity sev3", channel=channel.id)  # someone changes it back on purpose
    # The captured click, sent again byte for byte with its signature, inside the five minutes.
    again = await workspace.client.post("/slack/events", data=replayed.body, headers=replayed.headers)
    assert again.status == 200
    await workspace.settle()
    [incident] = await _incidents(workspace)
    assert incident.severity == "SEV3"

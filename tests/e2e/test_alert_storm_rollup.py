"""An alert storm of warning groups: the alerts channel gets a few group messages and one rollup for the rest."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from slack_emulator.state import Message
from storage.tables import Alert, AlertRollup
from tests.e2e.alert_payloads import am_alert, am_group, resolved
from tests.e2e.conftest import StartBot, Workspace

CONFIG = "storm:\n  max_alert_posts_per_minute: 3\n"


async def rows(workspace: Workspace, table: Any) -> list[Any]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(table))).all())


def rollups(workspace: Workspace, channel: str) -> list[Message]:
    return [message for message in workspace.slack.messages(channel) if message.text.startswith("Alert storm:")]


def group_posts(workspace: Workspace, channel: str) -> list[Message]:
    return [message for message in workspace.slack.messages(channel) if message.text.startswith("[")]


def posts_to(workspace: Workspace, channel: str) -> int:
    return len([call for call in workspace.slack.ok_calls_to("chat.postMessage") if call.args["channel"] == channel])


async def test_eight_warning_groups_make_three_group_messages_and_one_rollup_of_the_other_five(
    start_bot: StartBot,
) -> None:
    workspace = await start_bot(CONFIG)
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    warnings = [am_alert(f"Slow{number}", severity="warning", service=f"svc-{number}") for number in range(8)]
    for warning in warnings:
        response = await workspace.webhook("alertmanager", am_group([warning]))
        assert response.status == 200
        assert (await response.json())["opened"] == []
    await workspace.settle(within=60)

    assert workspace.incident_channels() == []
    # Each group's message is its own outbox lane, performed concurrently: they may land in any order.
    assert sorted(post.text for post in group_posts(workspace, alerts_channel)) == [
        f"[FIRING:1] Slow{number}: 1 firing, 0 resolved" for number in range(3)
    ]
    [rollup] = rollups(workspace, alerts_channel)
    assert rollup.text == "Alert storm: 5 alert groups in one message, 5 firing, 0 resolved"
    listed = json.dumps(rollup.blocks)
    assert all(f"*Slow{number}*" in listed for number in range(3, 8))
    assert not any(f"*Slow{number}*" in listed for number in range(3))
    assert len(workspace.slack.messages(alerts_channel)) == 4
    assert len(await rows(workspace, Alert)) == 8
    [stored] = await rows(workspace, AlertRollup)
    assert (stored.message_channel_id, stored.message_ts) == (alerts_channel, rollup.ts)

    # A rolled-up group changes: the rollup is redrawn, and no message of its own appears.
    posts_before = posts_to(workspace, alerts_channel)
    await workspace.webhook("alertmanager", am_group([resolved(warnings[5])]))
    await workspace.settle(within=60)

    assert len(workspace.slack.messages(alerts_channel)) == 4
    assert posts_to(workspace, alerts_channel) == posts_before
    [rollup] = rollups(workspace, alerts_channel)
    assert rollup.edited
    assert rollup.text == "Alert storm: 5 alert groups in one message, 4 firing, 1 resolved"
    assert any(call.args.get("ts") == rollup.ts for call in workspace.slack.ok_calls_to("chat.update"))
    # Firing groups first: the resolved one is listed last.
    assert json.dumps(rollup.blocks).rindex("*Slow") == json.dumps(rollup.blocks).index("*Slow5*")


async def test_group_posted_before_the_storm_keeps_its_own_message(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    first = am_alert("Slow0", severity="warning")
    await workspace.webhook("alertmanager", am_group([first]))
    for number in range(1, 6):
        await workspace.webhook("alertmanager", am_group([am_alert(f"Slow{number}", severity="warning")]))
    await workspace.settle(within=60)
    [rollup] = rollups(workspace, alerts_channel)
    assert rollup.text.startswith("Alert storm: 3 alert groups")

    second = am_alert("Slow0", instance="10.0.0.2:9100", severity="warning")
    await workspace.webhook("alertmanager", am_group([first, second]))
    await workspace.settle(within=60)

    own = [post for post in group_posts(workspace, alerts_channel) if "Slow0" in post.text]
    assert [post.text for post in own] == ["[FIRING:2] Slow0: 2 firing, 0 resolved"]
    [rollup] = rollups(workspace, alerts_channel)
    assert rollup.text == "Alert storm: 3 alert groups in one message, 3 firing, 0 resolved"
    assert "Slow0" not in json.dumps(rollup.blocks)
    assert len(workspace.slack.messages(alerts_channel)) == 4


async def test_critical_alert_in_a_rolled_up_group_opens_an_incident_that_the_rollup_links(
    start_bot: StartBot,
) -> None:
    workspace = await start_bot("storm:\n  max_alert_posts_per_minute: 1\n")
    alerts_channel = workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    await workspace.webhook("alertmanager", am_group([am_alert("Slow0", severity="warning")]))
    warning = am_alert("Replication", instance="db-1", severity="warning")
    await workspace.webhook("alertmanager", am_group([warning]))
    await workspace.settle(within=60)

    critical = am_alert("Replication", instance="db-2", severity="critical")
    response = await workspace.webhook("alertmanager", am_group([warning, critical]))
    assert (await response.json())["opened"] == ["INC-1"]
    await workspace.settle(within=60)

    [channel] = workspace.incident_channels()
    [rollup] = rollups(workspace, alerts_channel)
    assert rollup.text == "Alert storm: 1 alert group in one message, 2 firing, 0 resolved"
    assert f"tracked in INC-1 in <#{channel.id}>" in json.dumps(rollup.blocks)
    assert [post.text for post in group_posts(workspace, alerts_channel)] == ["[FIRING:1] Slow0: 1 firing, 0 resolved"]

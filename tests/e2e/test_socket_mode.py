"""Socket Mode: with SLACK_APP_TOKEN the bot dials out over a WebSocket and needs no public address.

The emulator answers apps.connections.open with a loopback WebSocket URL, says hello, and delivers
slash commands, events and clicks as envelopes the bot must acknowledge.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.errors import SettingsError
from storage.tables import Incident, TimelineEntry
from tests.e2e.conftest import StartBot
from tests.helpers import eventually


async def test_commands_events_and_clicks_arrive_over_the_socket_and_are_acknowledged(start_bot: StartBot) -> None:
    workspace = await start_bot(slack_app_token="xapp-emulator-token", slack_signing_secret=None)
    slack = workspace.slack
    slack.bot_endpoint = None  # nothing reaches the bot over HTTP: only its own WebSocket
    assert await eventually(lambda: slack.socket_mode.is_connected)
    assert [call.method for call in slack.calls_to("apps.connections.open")] == ["apps.connections.open"]

    declared = await workspace.command("declare Checkout is down sev2")
    await workspace.settle()

    assert "INC-1" in declared["text"]  # the slash command's reply rode on the envelope's ack
    [channel] = workspace.incident_channels()
    _, delivery = await slack.post_message(user=workspace.people.bob, channel=channel.id, text="Rolled back 4.2")
    assert delivery is not None and delivery.status == 200 and delivery.headers["envelope_id"]
    [summary_ts] = slack.pins(channel.id)
    await slack.click_button(
        user=workspace.people.alice,
        channel=channel.id,
        message_ts=summary_ts,
        action_id="incident_severity",
        block_id="incident_actions_1",
        selected_option="SEV1",
    )
    await workspace.settle()

    async with workspace.database.transaction() as session:
        incident = (await session.exec(select(Incident))).one()
        texts = [entry.text for entry in (await session.exec(select(TimelineEntry))).all()]
    assert incident.severity == "SEV1"
    assert "Rolled back 4.2" in texts
    assert slack.socket_mode.envelopes_sent >= 3
    assert all(d.status == 200 for d in slack.deliveries)


async def test_a_wrong_app_token_stops_start_up_with_one_clear_line(start_bot: StartBot) -> None:
    with pytest.raises(SettingsError, match=r"^SLACK_APP_TOKEN was refused by Slack \(invalid_auth\)"):
        await start_bot(slack_app_token="xapp-not-the-right-one")

"""The largest delivery a webhook accepts does not stall Slack: commands and events are answered in time.

Slack gives a slash command and an event 3 seconds for their answer, and retries an event that took
longer; a command answered late is shown to its sender as failed although it ran. The one timing
this suite measures is that contract, with the bound Slack itself sets.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.config.alerts import DEFAULT_MAX_ALERTS_PER_DELIVERY
from storage.tables import Alert, Incident, TimelineEntry
from tests.e2e.conftest import StartBot, Workspace
from tests.helpers import eventually

SLACK_ACK_SECONDS = 3.0


def delivery(count: int) -> dict[str, Any]:
    """`count` generic alerts, each its own group (its own name); one in ten critical, as in a storm."""
    return {
        "alerts": [
            {
                "name": f"Rule{number}",
                "title": f"Rule{number} is failing",
                "severity": "critical" if number % 10 == 0 else "warning",
                "labels": {"instance": f"web-{number}"},
                "runbook_url": f"https://runbooks.example.org/rule-{number}",
            }
            for number in range(count)
        ]
    }


async def stored_alerts(workspace: Workspace) -> int:
    async with workspace.database.reading() as session:
        return int((await session.exec(select(func.count()).select_from(Alert))).one())


async def test_commands_and_events_are_answered_within_3_s_while_the_largest_delivery_is_stored(
    start_bot: StartBot,
) -> None:
    workspace = await start_bot()
    workspace.slack.add_channel("alerts", creator=workspace.people.alice)
    channel = await workspace.declare("Checkout is slow sev3")
    slack, bob = workspace.slack, workspace.people.bob
    await slack.join_channel(user=bob, channel=channel)
    await workspace.settle()

    sending = asyncio.create_task(workspace.webhook("generic", delivery(DEFAULT_MAX_ALERTS_PER_DELIVERY)))

    # The first alerts are committed while the rest are still being stored: that is the moment to ask.
    async def first_chunk_stored() -> bool:
        return sending.done() or await stored_alerts(workspace) > 0

    await eventually(first_chunk_stored, within=120)
    assert not sending.done(), "the delivery was stored in one go: nothing could be asked meanwhile"

    started = time.monotonic()
    command = await slack.slash_command(
        user=workspace.people.alice, channel=workspace.general, text="declare Payments are failing sev2"
    )
    _, said = await slack.post_message(user=bob, channel=channel, text="rolling back the deploy")
    asked_for = time.monotonic() - started
    still_storing = not sending.done()
    response = await sending

    assert command.status == 200, command.text
    assert command.seconds < SLACK_ACK_SECONDS, f"the slash command was answered after {command.seconds:.1f} s"
    assert said is not None and said.status == 200, said
    assert said.seconds < SLACK_ACK_SECONDS, f"the message event was answered after {said.seconds:.1f} s"
    assert still_storing, f"the delivery was stored within {asked_for:.1f} s, before the command and event ended"
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert (answer["accepted"], answer["changed"]) == (DEFAULT_MAX_ALERTS_PER_DELIVERY,) * 2
    assert await stored_alerts(workspace) == DEFAULT_MAX_ALERTS_PER_DELIVERY
    async with workspace.database.reading() as session:
        titles = [incident.title for incident in (await session.exec(select(Incident))).all()]
        said_text = [entry.text for entry in (await session.exec(select(TimelineEntry))).all()]
    assert titles.count("Payments are failing") == 1
    assert "rolling back the deploy" in said_text
    # As one delivery: five incidents opened by alerts, then the storm incident for the other critical ones.
    assert len(answer["opened"]) == 6


async def test_a_delivery_over_the_limit_is_refused_with_413_and_stores_nothing(workspace: Workspace) -> None:
    response = await workspace.webhook("generic", delivery(DEFAULT_MAX_ALERTS_PER_DELIVERY + 1))

    assert response.status == 413
    body = await response.json()
    assert body["error"] == "too_many_alerts"
    assert body["message"] == (
        f"the delivery holds {DEFAULT_MAX_ALERTS_PER_DELIVERY + 1:,} alerts, more than "
        f"webhooks.max_alerts_per_delivery ({DEFAULT_MAX_ALERTS_PER_DELIVERY:,}): send fewer alerts per request"
    )
    assert await stored_alerts(workspace) == 0


async def test_the_limit_is_the_operators_to_set(start_bot: StartBot) -> None:
    workspace = await start_bot("webhooks:\n  max_alerts_per_delivery: 3\n")

    assert (await workspace.webhook("generic", delivery(3))).status == 200
    refused = await workspace.webhook("generic", delivery(4))
    assert refused.status == 413
    assert "more than webhooks.max_alerts_per_delivery (3)" in (await refused.json())["message"]
    assert await stored_alerts(workspace) == 3

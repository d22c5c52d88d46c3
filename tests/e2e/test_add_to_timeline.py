"""The "Add to incident timeline" message shortcut: a message from any channel joins an incident's story."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from slack_emulator.blocks import view_errors
from storage.tables import TimelineEntry
from tests.e2e.conftest import Workspace


def chosen(number: int) -> dict[str, Any]:
    return {"incident": {"value": {"type": "static_select", "selected_option": {"value": str(number)}}}}


async def test_a_support_message_is_added_to_the_chosen_incident_once(workspace: Workspace) -> None:
    people, slack = workspace.people, workspace.slack
    channel = await workspace.declare("Checkout is down sev2")
    support = slack.add_channel("support", creator=people.bob, members=[people.bob, people.carol])
    ts, _ = await slack.post_message(user=people.carol, channel=support, text="Customers in Spain cannot pay")

    delivery = await slack.message_shortcut(
        user=people.bob, channel=support, message_ts=ts, callback_id="add_to_timeline"
    )
    assert delivery.status == 200
    [view] = slack.open_views()
    assert view_errors(view.view) == []
    [option] = view.view["blocks"][0]["element"]["options"]
    assert option["text"]["text"] == "INC-1 SEV2 · Checkout is down"

    submitted = await slack.submit_view(user=people.bob, view_id=view.id, values=chosen(1))
    assert submitted.status == 200 and not submitted.json()
    await workspace.settle()

    async with workspace.database.transaction() as session:
        [entry] = (await session.exec(select(TimelineEntry).where(TimelineEntry.channel_id == support))).all()
    assert (entry.incident_id, entry.kind, entry.author, entry.text) == (
        1,
        "note",
        people.carol,
        "Customers in Spain cannot pay",
    )
    announcement = [text for text in workspace.posts(channel) if "added a message from" in text]
    assert announcement == [
        f":link: <@{people.bob}> added a message from <#{support}> by <@{people.carol}> to the timeline:\n"
        ">Customers in Spain cannot pay"
    ]

    # the same message again: refused, nothing doubled
    await slack.message_shortcut(user=people.bob, channel=support, message_ts=ts, callback_id="add_to_timeline")
    await slack.drain()
    assert "already on the timeline of INC-1" in slack.response_url_posts[-1]["text"]


async def test_with_no_open_incident_the_shortcut_says_so(workspace: Workspace) -> None:
    slack = workspace.slack
    ts, _ = await slack.post_message(user=workspace.people.bob, channel=workspace.general, text="Is checkout slow?")

    await slack.message_shortcut(
        user=workspace.people.bob, channel=workspace.general, message_ts=ts, callback_id="add_to_timeline"
    )
    await slack.drain()

    assert slack.open_views() == []
    assert slack.response_url_posts[-1]["text"] == "There are no open incidents to add it to."

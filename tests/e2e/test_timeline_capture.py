"""What people say and do in the incident channel becomes the timeline, exactly once."""

from __future__ import annotations

from sqlmodel import col, select

from storage.tables import TimelineEntry
from tests.e2e.conftest import Workspace


async def _entries(workspace: Workspace, kind: str = "message") -> list[TimelineEntry]:
    async with workspace.database.transaction() as session:
        query = select(TimelineEntry).where(TimelineEntry.kind == kind).order_by(col(TimelineEntry.at))
        return list((await session.exec(query)).all())


async def test_messages_and_thread_replies_are_recorded_at_their_slack_time(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    slack, bob = workspace.slack, workspace.people.bob
    await slack.join_channel(user=bob, channel=channel)
    parent, _ = await slack.post_message(user=bob, channel=channel, text="error rate is 40%")
    reply, _ = await slack.post_message(user=bob, channel=channel, text="mostly EU", thread_ts=parent)
    entries = await _entries(workspace)
    assert [(e.text, e.slack_ts, e.thread_ts) for e in entries] == [
        ("error rate is 40%", parent, None),
        ("mostly EU", reply, parent),
    ]
    assert entries[0].at.timestamp() == float(parent)
    joined = {entry.author for entry in await _entries(workspace, "join")}
    assert joined == {workspace.people.alice, bob}  # alice was invited when she declared


async def test_the_bots_own_posts_are_not_recorded_as_conversation(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command("note first responder here", channel=channel)
    await workspace.settle()
    assert any(m.bot_id for m in workspace.slack.messages(channel))
    assert await _entries(workspace) == []


async def test_edits_update_the_entry_and_deletes_hide_it(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    slack, bob = workspace.slack, workspace.people.bob
    await slack.join_channel(user=bob, channel=channel)
    kept, _ = await slack.post_message(user=bob, channel=channel, text="restarting pods")
    gone, _ = await slack.post_message(user=bob, channel=channel, text="my password is hunter2")
    await slack.edit_message(user=bob, channel=channel, ts=kept, text="restarting pods in eu-west-1")
    await slack.delete_message(user=bob, channel=channel, ts=gone)
    reply = await workspace.command("timeline", channel=channel)
    assert "restarting pods in eu-west-1 _(edited)_" in reply["text"]
    assert "hunter2" not in reply["text"]


async def test_an_edit_delivered_before_its_message_is_not_lost(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    slack, bob = workspace.slack, workspace.people.bob
    await slack.join_channel(user=bob, channel=channel)
    ts, held_post = await slack.post_message(user=bob, channel=channel, text="cause: cert", deliver=False)
    await slack.edit_message(user=bob, channel=channel, ts=ts, text="cause: expired TLS cert")
    assert held_post is None
    original = slack.event_envelope(
        {"type": "message", "channel": channel, "user": bob, "text": "cause: cert", "ts": ts, "channel_type": "channel"}
    )
    assert (await slack.deliver("event", original)).status == 200
    [entry] = await _entries(workspace)
    assert (entry.text, entry.is_edited) == ("cause: expired TLS cert", True)


async def test_pushpin_reactions_and_pins_mark_key_events_and_removing_them_unmarks(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    slack, bob, carol = workspace.slack, workspace.people.bob, workspace.people.carol
    for user in (bob, carol):
        await slack.join_channel(user=user, channel=channel)
    ts, _ = await slack.post_message(user=bob, channel=channel, text="root cause found: expired cert")
    await slack.add_reaction(user=carol, channel=channel, ts=ts, name="pushpin")
    await slack.add_reaction(user=carol, channel=channel, ts=ts, name="tada")
    assert (await _entries(workspace))[0].highlighted
    await slack.remove_reaction(user=carol, channel=channel, ts=ts, name="pushpin")
    assert not (await _entries(workspace))[0].highlighted
    await slack.pin_message(user=carol, channel=channel, ts=ts)
    assert (await _entries(workspace))[0].highlighted
    await slack.unpin_message(user=carol, channel=channel, ts=ts)
    assert not (await _entries(workspace))[0].highlighted


async def test_slack_retry_of_one_event_adds_one_timeline_entry(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    slack, bob = workspace.slack, workspace.people.bob
    await slack.join_channel(user=bob, channel=channel)
    ts, _ = await slack.post_message(user=bob, channel=channel, text="deploying fix", deliver=False)
    message = {
        "type": "message",
        "channel": channel,
        "user": bob,
        "text": "deploying fix",
        "ts": ts,
        "channel_type": "channel",
    }
    reaction = {
        "type": "reaction_added",
        "user": bob,
        "reaction": "pushpin",
        "item_user": bob,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": ts,
    }
    for event, event_id in ((message, "Ev0MESSAGE"), (reaction, "Ev0REACTION")):
        envelope = slack.event_envelope(event, event_id=event_id)
        assert (await slack.deliver("event", envelope)).status == 200
        for attempt in (1, 2):
            retry = await slack.deliver("event", envelope, retry_num=attempt, retry_reason="http_timeout")
            assert retry.status == 200
    [entry] = await _entries(workspace)
    assert entry.text == "deploying fix" and entry.highlight_reactions == 1


async def test_messages_outside_incident_channels_are_not_recorded(workspace: Workspace) -> None:
    await workspace.declare("Checkout is down")
    await workspace.slack.post_message(user=workspace.people.bob, channel=workspace.general, text="lunch?")
    assert await _entries(workspace) == []


async def test_events_slack_retries_while_the_bot_was_unreachable_arrive_once(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    slack, bob = workspace.slack, workspace.people.bob
    await slack.join_channel(user=bob, channel=channel)
    slack.event_retry_delays = (0.2, 0.2, 0.2)
    endpoint, slack.bot_endpoint = slack.bot_endpoint, "http://127.0.0.1:9/slack/events"
    _, first = await slack.post_message(user=bob, channel=channel, text="bot was down for this one")
    assert first is not None and first.status == 0
    slack.bot_endpoint = endpoint
    await slack.drain()
    retries = [d for d in slack.deliveries if d.headers.get("X-Slack-Retry-Num")]
    assert retries and retries[-1].status == 200
    assert [entry.text for entry in await _entries(workspace)] == ["bot was down for this one"]

"""Slack outages and rate limits delay side effects; they never lose or double them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.tables import OutboxEntry
from tests.e2e.conftest import StartBot, Workspace
from tests.helpers import eventually

# The bot stops waiting for Slack's answer after SLACK_TIMEOUT; Slack answers later than that, after acting.
SLACK_TIMEOUT = 2
LATE_ANSWER_SECONDS = SLACK_TIMEOUT + 1


async def _states(workspace: Workspace) -> dict[str, str]:
    async with workspace.database.transaction() as session:
        return {f"{e.id}:{e.kind}": e.state for e in (await session.exec(select(OutboxEntry))).all()}


async def test_declare_survives_503s_and_429s_with_nothing_lost_or_doubled(workspace: Workspace) -> None:
    slack = workspace.slack
    slack.fail("conversations.create", status=503, times=4)
    slack.fail("chat.postMessage", status=503, times=3, html=True)
    slack.rate_limit("pins.add", retry_after=1, times=3)
    slack.rate_limit("conversations.invite", retry_after=1, times=1)

    await workspace.command("declare Payments flapping sev2")
    await workspace.settle(within=60)

    assert len(slack.ok_calls_to("conversations.create")) == 1
    assert len([c for c in slack.calls_to("conversations.create") if c.http_status == 503]) == 4
    channel = slack.channel_by_name("inc-1-payments-flapping")
    assert channel is not None
    assert len(slack.pins(channel.id)) == 1
    bot_posts = [m for m in slack.messages(channel.id) if m.bot_id]
    assert len(bot_posts) == 2  # the summary and the welcome, once each
    assert len(slack.messages(workspace.incidents)) == 1
    assert set((await _states(workspace)).values()) == {"done"}


async def test_side_effects_of_one_incident_happen_in_order(workspace: Workspace) -> None:
    slack = workspace.slack
    slack.fail("conversations.setTopic", status=500, times=5)
    channel = await workspace.declare("Ordering matters")
    await workspace.command("note first", channel=channel)
    await workspace.command("note second", channel=channel)
    await workspace.command("note third", channel=channel)
    await workspace.settle(within=60)
    notes = [text for text in workspace.posts(channel) if text.startswith(":memo:")]
    assert [note.rsplit(" ", 1)[-1] for note in notes] == ["first", "second", "third"]


async def test_slack_rejecting_an_effect_parks_it_as_dead_with_the_error(workspace: Workspace) -> None:
    channel = await workspace.declare("Archived too early")
    workspace.slack.channels[channel].is_archived = True
    await workspace.command("note too late", channel=channel)
    await workspace.settle()
    async with workspace.database.transaction() as session:
        dead = (await session.exec(select(OutboxEntry).where(OutboxEntry.state == "dead"))).all()
    assert [(entry.kind, "is_archived" in (entry.last_error or "")) for entry in dead] == [("post", True)]


async def test_a_timeout_after_slack_created_the_channel_does_not_create_a_second(start_bot: StartBot) -> None:
    workspace = await start_bot(slack_timeout=SLACK_TIMEOUT)
    slack = workspace.slack
    slack.delay("conversations.create", seconds=LATE_ANSWER_SECONDS, times=1, after_commit=True)
    await workspace.command("declare Lost reply")
    await eventually(lambda: slack.channel_by_name("inc-1-lost-reply") is not None, within=30)
    await workspace.settle(within=90)
    ours = [c for c in slack.channels.values() if c.name.startswith("inc-1")]
    assert [c.name for c in ours] == ["inc-1-lost-reply"]
    assert set((await _states(workspace)).values()) == {"done"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # Slack's side of it: one backend is enough
async def test_a_post_and_a_postmortem_whose_replies_were_lost_appear_once(start_bot: StartBot) -> None:
    workspace = await start_bot(slack_timeout=SLACK_TIMEOUT)
    slack = workspace.slack
    channel = await workspace.declare("Lost replies sev2")
    # Slack stores the note and the file, then the bot gives up waiting for the answers and retries.
    slack.delay("chat.postMessage", seconds=LATE_ANSWER_SECONDS, times=1, after_commit=True)
    await workspace.command("note Rolled back 4.2", channel=channel)
    await workspace.settle(within=90)
    slack.delay("files.completeUploadExternal", seconds=LATE_ANSWER_SECONDS, times=1, after_commit=True)
    await workspace.command("postmortem", channel=channel)
    await workspace.settle(within=90)

    notes = [text for text in workspace.posts(channel) if text.endswith("Rolled back 4.2")]
    shares = [m for m in slack.messages(channel) if any(f["name"] == "postmortem-inc-1.md" for f in m.files)]
    assert len(notes) == 1 and len(shares) == 1
    async with workspace.database.transaction() as session:
        entries = (await session.exec(select(OutboxEntry))).all()
    retried = {e.kind: e.attempts for e in entries if e.kind == "upload_postmortem" or "Rolled back" in str(e.payload)}
    assert retried == {"post": 2, "upload_postmortem": 2}  # each was tried again, and found done
    assert set((await _states(workspace)).values()) == {"done"}

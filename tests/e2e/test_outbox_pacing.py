"""The outbox keeps within Slack's rate limits itself, rather than learning them from 429s."""

from __future__ import annotations

from sqlmodel import select

from storage.tables import OutboxEntry
from tests.e2e.conftest import Workspace


async def test_a_burst_of_notes_reaches_the_channel_paced_in_order_and_once(workspace: Workspace) -> None:
    channel = await workspace.declare("Noisy channel sev2")
    notes = [f"step {number}" for number in range(15)]
    for note in notes:  # as fast as people type them: far more than Slack's burst for one channel
        await workspace.command(f"note {note}", channel=channel)
    await workspace.settle(within=60)

    posted = [text.rsplit(" ", 2)[-2:] for text in workspace.posts(channel) if text.startswith(":memo:")]
    assert [" ".join(words) for words in posted] == notes
    in_channel = [call for call in workspace.slack.calls_to("chat.postMessage") if call.args.get("channel") == channel]
    assert [call.http_status for call in in_channel if call.http_status != 200] == []  # Slack never said 429
    async with workspace.database.reading() as session:
        entries = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "post"))).all()
    # Waiting for the budget is not an attempt: each note was tried once, so none was looked up twice.
    assert {(entry.state, entry.attempts) for entry in entries} == {("done", 1)}
    assert workspace.slack.calls_to("conversations.history") == []

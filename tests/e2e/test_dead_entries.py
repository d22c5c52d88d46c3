"""A Slack call that keeps failing is parked as dead, counted, and queued again by `oncall-bot outbox retry`."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.cli import main
from storage.tables import OutboxEntry
from tests.e2e.conftest import StartBot


async def test_a_call_that_keeps_failing_is_parked_then_retried_from_the_command_line(
    start_bot: StartBot, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = await start_bot("outbox:\n  max_attempts: 2\n")
    workspace.slack.fail("conversations.setTopic", status=503, times=100)
    channel = await workspace.declare("Checkout is down sev2")
    await workspace.settle(within=30)

    async with workspace.database.transaction() as session:
        [dead] = (await session.exec(select(OutboxEntry).where(OutboxEntry.state == "dead"))).all()
    assert dead.kind == "set_topic" and dead.last_error is not None
    assert dead.last_error.startswith("gave up after 2 attempts: conversations.setTopic: http_503")
    # The rest of the incident's work was not held up behind it forever.
    assert workspace.slack.channels[channel].topic == ""
    metrics = await (await workspace.client.get("/metrics")).text()
    assert 'oncall_outbox_entries{state="dead"} 1.0' in metrics

    workspace.slack.heal("conversations.setTopic")
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert await asyncio.to_thread(main, ["outbox", "retry", "999"]) == 2
    assert "no dead outbox entry 999" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["outbox", "retry"]) == 0
    out = capsys.readouterr().out
    assert "set_topic" in out and "INC-1" in out and "1 dead outbox entry queued again" in out

    await workspace.settle(within=30)
    assert workspace.slack.channels[channel].topic.startswith("INC-1")

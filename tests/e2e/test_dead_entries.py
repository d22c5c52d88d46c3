"""A Slack call that keeps failing is parked as dead, counted, and queued again by `oncall-bot outbox retry`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.cli.main import main
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


async def test_a_performer_that_fails_the_same_way_twice_is_parked_and_holds_nothing_up(
    start_bot: StartBot, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "postmortem.md.j2").write_text("{{ incident.ref }} took {{ 1 // 0 }} minutes\n")
    workspace = await start_bot(f"postmortem:\n  template_dir: {templates}\n")
    channel = await workspace.declare("Checkout is down sev2")
    await workspace.command("postmortem", channel=channel)
    await workspace.command("severity sev1", channel=channel)
    await workspace.settle(within=30)

    async with workspace.database.transaction() as session:
        entries = (await session.exec(select(OutboxEntry))).all()
    [dead] = [entry for entry in entries if entry.state == "dead"]
    assert dead.kind == "upload_postmortem" and dead.attempts == 2
    assert dead.last_error == (
        f"failed the same way twice: UserError: The postmortem template postmortem.md.j2 in {templates} failed: "
        "ZeroDivisionError: integer division or modulo by zero"
    )
    assert all(entry.state == "done" for entry in entries if entry is not dead)
    [summary_ts] = workspace.slack.pins(channel)
    assert "SEV1" in workspace.slack.channels[channel].history[summary_ts].text

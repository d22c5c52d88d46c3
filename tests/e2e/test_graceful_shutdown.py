"""SIGTERM, as a deploy or Kubernetes sends it: in-flight Slack work finishes, leadership passes on at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import SlackEmulator
from tests.e2e.bot_process import BotProcess, free_port, serve_environment
from tests.e2e.conftest import SIGNING_SECRET
from tests.helpers import eventually


@pytest.mark.postgresql_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_replica_stopped_with_sigterm_finishes_its_slack_call_and_hands_over_the_scheduler(
    database_url: str, tmp_path: Path
) -> None:
    slack = SlackEmulator(scopes=REQUIRED_SCOPES, signing_secret=SIGNING_SECRET, rate_limits=False)
    await slack.start()
    alice = slack.add_user("alice")
    general = slack.add_channel("general", creator=alice, members=[alice])
    slack.add_channel("incidents", creator=alice, members=[alice])
    first = BotProcess("first", serve_environment(database_url=database_url, port=free_port(), slack=slack), tmp_path)
    second = BotProcess("second", serve_environment(database_url=database_url, port=free_port(), slack=slack), tmp_path)
    try:
        await first.start()
        await first.wait_ready()
        await eventually(lambda: "scheduler.leader acquired" in first.log_text(), within=10)
        slack.bot_endpoint = first.url("/slack/events")

        # Slack takes its time creating the channel: the call is in flight when the deploy stops the leader.
        # The second replica starts only then, so that the incident's Slack work is the first's (an idle
        # worker beside it would be woken by the commit and might take it).
        slack.delay("conversations.create", seconds=3)
        delivery = await slack.slash_command(user=alice, channel=general, text="declare Checkout is down sev2")
        assert delivery.status == 200
        await eventually(lambda: slack.calls_to("conversations.create") or None, within=10)
        await second.start()
        assert first.process is not None
        first.process.terminate()  # SIGTERM
        assert await asyncio.wait_for(first.process.wait(), timeout=30) == 0
        await second.wait_ready()

        log = first.log_text()
        assert "outbox.stopped finished_in_flight=" in log and "scheduler.leader released" in log
        assert "Traceback" not in log
        await eventually(lambda: "scheduler.leader acquired" in second.log_text(), within=10)
        # the rest of the incident's Slack work is done by the survivor, and nothing twice
        await eventually(lambda: len([c for c in slack.channels.values() if c.name.startswith("inc-")]) == 1)
        [channel] = [c for c in slack.channels.values() if c.name.startswith("inc-")]
        await eventually(lambda: len(slack.pins(channel.id)) == 1, within=20)
        assert len(slack.ok_calls_to("conversations.create")) == 1
    finally:
        await first.stop()
        await second.stop()
        await slack.stop()

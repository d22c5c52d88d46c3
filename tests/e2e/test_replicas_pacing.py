"""Three `oncall-bot serve` replicas on one PostgreSQL share Slack's budget for a channel: together they post
into it no faster than Slack allows, so Slack (the emulator, which enforces its rate limits) never says 429."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.channel_pace import most_within
from slack_emulator import SlackEmulator
from tests.e2e.test_replicas import incident_channel, people, replica
from tests.helpers import eventually

NOTES = 30
# Slack: about one message a second per channel, short bursts allowed; the bot's own burst is 5.
WINDOW_SECONDS, MOST_IN_WINDOW = 10.0, 15


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_three_replicas_post_into_one_channel_within_its_limit_in_order_and_once(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice, general = people(slack)
    async with (
        replica("first", database_url, slack, tmp_path) as first,
        replica("second", database_url, slack, tmp_path) as second,
        replica("third", database_url, slack, tmp_path) as third,
    ):
        replicas = [first, second, third]
        slack.bot_endpoint = first.endpoint
        assert (await slack.slash_command(user=alice, channel=general, text="declare Noisy channel sev3")).status == 200

        channel = await eventually(lambda: incident_channel(slack), within=20)
        await eventually(lambda: slack.messages(channel), within=10)  # the summary: the channel is the incident's
        notes = [f"step {number}" for number in range(NOTES)]
        for number, note in enumerate(notes):  # each replica takes a third of the commands
            slack.bot_endpoint = replicas[number % 3].endpoint
            assert (await slack.slash_command(user=alice, channel=channel, text=f"note {note}")).status == 200

        def posted() -> list[str]:
            texts = [message.text for message in slack.messages(channel) if message.text.startswith(":memo:")]
            assert len(texts) >= NOTES
            return texts

        texts = await eventually(posted, within=90, interval=0.5)
        assert [" ".join(text.rsplit(" ", 2)[-2:]) for text in texts] == notes  # in order, each once

        in_channel = [call for call in slack.calls_to("chat.postMessage") if call.args.get("channel") == channel]
        assert [call.http_status for call in in_channel if call.http_status != 200] == []  # Slack never said 429
        stamps = sorted(float(message.ts) for message in slack.messages(channel))
        assert most_within(stamps, WINDOW_SECONDS) <= MOST_IN_WINDOW
        # The three shared the work: it is their budget, not one replica's, that kept the pace.
        senders = [r.name for r in replicas if "outbox.sent kind=post " in r.log.read_text(errors="replace")]
        assert len(senders) >= 2, senders

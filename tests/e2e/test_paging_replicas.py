"""Paging with two `oncall-bot serve` replicas on one PostgreSQL database: each step pages once, and when
one replica is killed (SIGKILL) the other goes on with the next steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slack_emulator import SlackEmulator
from tests.e2e.test_replicas import replica
from tests.helpers import eventually

WAIT_SECONDS = 3


def config(alice: str, bob: str, carol: str) -> str:
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return f"""
schedules:
  - name: payments
    layers:
      - name: primary
        users: [{alice}, {bob}]
        start: {start}
        rotation: 1w
escalation_policies:
  - name: payments-critical
    steps:
      - notify: [schedule:payments]
        wait: {WAIT_SECONDS}s
      - notify: [user:{carol}]
        wait: {WAIT_SECONDS}s
    repeat: 1
"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_replicas_page_each_step_once_and_the_survivor_goes_on(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice, bob, carol = slack.add_user("alice"), slack.add_user("bob"), slack.add_user("carol")
    general = slack.add_channel("general", creator=alice, members=[alice, bob, carol])
    slack.add_channel("incidents", creator=alice, members=[alice])
    text = config(alice, bob, carol)

    def pages() -> list[str]:
        found = []
        for person in (alice, carol):
            dm = slack.channel_by_name(f"dm-{person.lower()}")
            found += (
                [f"{person}:{m.ts}:{m.text}" for m in slack.messages(dm.id) if "You are paged" in m.text] if dm else []
            )
        return sorted(found, key=lambda line: float(line.split(":")[1]))

    async with (
        replica("first", database_url, slack, tmp_path, config_text=text) as first,
        replica("second", database_url, slack, tmp_path, config_text=text) as second,
    ):
        slack.bot_endpoint = first.endpoint
        await slack.slash_command(user=alice, channel=general, text="declare Checkout is down sev1")

        def incident_channel() -> str:
            found = [c.id for c in slack.channels.values() if c.name.startswith("inc-")]
            assert len(found) == 1  # two outbox workers, one channel
            return found[0]

        channel = await eventually(incident_channel, within=20)
        page = await slack.slash_command(user=alice, channel=channel, text="page payments-critical")
        assert page.status == 200
        await eventually(lambda: len(pages()) >= 2, within=60)  # step 1, then step 2
        second.process.kill()  # SIGKILL one replica; the other performs the rest
        await second.process.wait()
        slack.bot_endpoint = first.endpoint
        await eventually(lambda: len(pages()) >= 4, within=60)
        await eventually(lambda: any("ran out of steps" in m.text for m in slack.messages(channel)), within=30)
    sent = pages()
    # Once each, in order: Alice (step 1), Carol (step 2), then round 2 the same.
    assert [line.split(":")[0] for line in sent] == [alice, carol, alice, carol], sent
    assert "round 2" in sent[2] and "round 2" in sent[3]

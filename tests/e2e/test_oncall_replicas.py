"""Hand-offs with two `oncall-bot serve` replicas on one PostgreSQL database: each boundary is announced
once, and once more after the leader is killed (SIGKILL) and the other replica takes over."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slack_emulator import SlackEmulator
from tests.e2e.test_replicas import replica
from tests.helpers import eventually

ROTATION_SECONDS = 4


def config(alice: str, bob: str) -> str:
    start = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    return f"""
reminders:
  check_every: 1s
schedules:
  - name: payments
    channel: "#payments-oncall"
    layers:
      - name: primary
        users: [{alice}, {bob}]
        start: {start}
        rotation: {ROTATION_SECONDS}s
"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_replicas_announce_each_hand_off_once_and_the_survivor_goes_on(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    room = slack.add_channel("payments-oncall", creator=alice, members=[alice, bob])
    slack.add_channel("incidents", creator=alice, members=[alice])
    text = config(alice, bob)
    seen: list[tuple[float, str]] = []

    async def announced(count: int) -> bool:
        seen[:] = [(float(m.ts), m.text) for m in slack.messages(room) if "hand-off" in m.text]
        return len(seen) >= count

    async with (
        replica("first", database_url, slack, tmp_path, config_text=text) as first,
        replica("second", database_url, slack, tmp_path, config_text=text) as second,
    ):
        await eventually(lambda: announced(3), within=60)
        leader, survivor = (first, second) if first.leads() else (second, first)
        assert leader.leads() and not survivor.leads()
        leader.process.kill()  # SIGKILL: no goodbye, its leadership lock goes with its connection
        await leader.process.wait()
        killed_at, before = time.time(), len(seen)
        await eventually(lambda: announced(before + 3), within=60)
        assert survivor.leads()

    assert max(at for at, _ in seen) > killed_at
    # Once each: a doubled announcement would be two posts in a row bringing the same person on.
    comings = [message.split(" off, ")[1].split(" on call")[0] for _, message in seen]
    assert all(one != other for one, other in itertools.pairwise(comings)), comings
    # And no more posts than boundaries passed. A post reaches Slack some time after its boundary (the first
    # one after start-up, the one while leadership moved, any one on a loaded machine), so the span between the
    # first and last posts can be shorter than the boundaries' own span by that delay: allow two rotations of it.
    # N distinct boundaries are (N - 1) rotations apart, so N <= (span + delay) / rotation + 1.
    span = seen[-1][0] - seen[0][0]
    assert len(seen) <= (span + 2 * ROTATION_SECONDS) / ROTATION_SECONDS + 1, (len(seen), span)

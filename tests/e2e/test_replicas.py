"""Two `oncall-bot serve` processes on one PostgreSQL database: reminders go out once, and when the
replica running the scheduler is killed the other takes over."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from slack_emulator import SlackEmulator
from tests.e2e.conftest import SIGNING_SECRET
from tests.helpers import eventually

PERIOD_SECONDS = 4
CONFIG = f"reminders:\n  check_every: 1s\n  status_update_after: {{sev2: {PERIOD_SECONDS}s}}\n"


@dataclass
class Replica:
    name: str
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def leads(self) -> bool:
        return "scheduler.leader acquired" in self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def replica(
    name: str,
    database_url: str,
    slack: SlackEmulator,
    tmp_path: Path,
    *,
    config_text: str = CONFIG,
    role: str = "all",
) -> AsyncIterator[Replica]:
    config = tmp_path / "oncall.yml"
    config.write_text(config_text)
    port = _free_port()
    log = tmp_path / f"{name}.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "ONCALL_CONFIG": str(config),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ANNOUNCE_CHANNEL": "#incidents",
        "ROLE": role,
    }
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "handlers.cli.main", "serve", env=env, cwd=tmp_path, stdout=output, stderr=output
        )
    running = Replica(name, port, process, log)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                assert process.returncode is None, log.read_text()
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await eventually(ready, within=30, interval=0.2)
        yield running
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


def people(slack: SlackEmulator) -> tuple[str, str]:
    """alice, and #general where she declares; #incidents for the announcements."""
    alice = slack.add_user("alice")
    general = slack.add_channel("general", creator=alice, members=[alice])
    slack.add_channel("incidents", creator=alice, members=[alice])
    return alice, general


def incident_channel(slack: SlackEmulator) -> str:
    """The one incident channel (however many outbox workers there are)."""
    channels = [channel for channel in slack.channels.values() if channel.name.startswith("inc-")]
    assert len(channels) == 1
    return channels[0].id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_replicas_nudge_once_and_the_survivor_takes_over(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice, general = people(slack)
    async with (
        replica("first", database_url, slack, tmp_path) as first,
        replica("second", database_url, slack, tmp_path) as second,
    ):
        slack.bot_endpoint = first.endpoint
        declared = await slack.slash_command(user=alice, channel=general, text="declare Checkout is down sev2")
        assert declared.status == 200

        channel = await eventually(lambda: incident_channel(slack), within=20)
        seen: list[float] = []

        def nudge_times() -> list[float]:
            texts = [message for message in slack.messages(channel) if "has had no status update" in message.text]
            return [float(message.ts) for message in texts]

        async def nudged(count: int) -> bool:
            seen[:] = nudge_times()
            return len(seen) >= count

        await eventually(lambda: nudged(2), within=4 * PERIOD_SECONDS)
        leader, survivor = (first, second) if first.leads() else (second, first)
        assert leader.leads() and not survivor.leads()

        # Kill the leader just after a nudge went out, so nothing of its is half done.
        await eventually(lambda: nudged(len(seen) + 1), within=2 * PERIOD_SECONDS)
        leader.process.kill()
        await leader.process.wait()
        killed_at, before_kill = time.time(), len(seen)
        slack.bot_endpoint = survivor.endpoint

        await eventually(lambda: nudged(before_kill + 2), within=4 * PERIOD_SECONDS)
        assert survivor.leads()
        assert max(seen) > killed_at
        # Once each: consecutive nudges are a period apart (less one tick of slack), never doubled.
        gaps = [later - earlier for earlier, later in itertools.pairwise(seen)]
        assert all(gap >= PERIOD_SECONDS - 1.5 for gap in gaps), gaps

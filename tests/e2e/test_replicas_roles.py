"""`serve --role`: a web replica, a worker replica and a scheduler replica on one PostgreSQL handle an incident
end to end, and an idle worker in its own process is woken by PostgreSQL's NOTIFY rather than its slow poll."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.outbox.worker import FALLBACK_POLL_SECONDS
from slack_emulator import SlackEmulator
from tests.e2e.test_replicas import PERIOD_SECONDS, incident_channel, people, replica
from tests.helpers import eventually


async def _get(url: str) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body = await response.json() if response.content_type == "application/json" else {}
        return response.status, body


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_web_worker_and_scheduler_replicas_handle_a_declared_incident(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice, general = people(slack)
    async with (
        replica("web", database_url, slack, tmp_path, role="web") as web,
        replica("worker", database_url, slack, tmp_path, role="worker") as worker,
        replica("scheduler", database_url, slack, tmp_path, role="scheduler") as scheduler,
    ):
        base = {
            name: f"http://127.0.0.1:{r.port}"
            for name, r in [("web", web), ("worker", worker), ("scheduler", scheduler)]
        }
        # Only the web replica takes Slack's requests; the others answer health alone.
        assert (await _get(f"{base['worker']}/incidents/1"))[0] == 404
        ready = {name: (await _get(f"{url}/readyz"))[1] for name, url in base.items()}
        assert ready["web"]["outbox_worker"] == "off" and ready["web"]["scheduler"] == "off"
        assert ready["worker"]["outbox_worker"] == "running" and ready["worker"]["scheduler"] == "off"
        assert ready["scheduler"]["outbox_worker"] == "off"
        await eventually(lambda: scheduler.leads(), within=10)

        slack.bot_endpoint = web.endpoint
        declared_at = time.monotonic()
        assert (
            await slack.slash_command(user=alice, channel=general, text="declare Checkout is down sev2")
        ).status == 200

        channel = await eventually(lambda: incident_channel(slack), within=FALLBACK_POLL_SECONDS / 3, interval=0.05)
        # The worker had been idle since start-up: it was woken by the web replica's commit, not by polling.
        assert time.monotonic() - declared_at < FALLBACK_POLL_SECONDS / 3

        # The worker posts what the web replica wrote; the scheduler's nudge goes out through the worker too.
        await eventually(lambda: slack.messages(channel), within=10)  # the summary: the channel is the incident's
        assert (await slack.slash_command(user=alice, channel=channel, text="note rolled back")).status == 200

        def texts() -> list[str]:
            return [message.text for message in slack.messages(channel)]

        await eventually(lambda: any(text.startswith(":memo:") for text in texts()), within=10)
        await eventually(lambda: any("has had no status update" in text for text in texts()), within=4 * PERIOD_SECONDS)
        for log in (web.log, worker.log, scheduler.log):
            assert "Traceback" not in log.read_text(errors="replace")
        assert "outbox.sent" not in web.log.read_text(errors="replace") + scheduler.log.read_text(errors="replace")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_idle_worker_in_another_process_is_woken_well_before_its_fallback_poll(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice, general = people(slack)
    async with (
        replica("web", database_url, slack, tmp_path, role="web") as web,
        replica("worker", database_url, slack, tmp_path, role="worker"),
    ):
        slack.bot_endpoint = web.endpoint
        waits = []
        for number in range(3):
            await asyncio.sleep(1.0)  # the worker has nothing to do, and sleeps up to its fallback poll
            asked = time.monotonic()
            text = f"declare Outage number {number} sev3"
            assert (await slack.slash_command(user=alice, channel=general, text=text)).status == 200

            def created(count: int = number + 1) -> bool:
                return len(slack.calls_to("conversations.create")) >= count

            await eventually(created, within=FALLBACK_POLL_SECONDS, interval=0.02)
            waits.append(time.monotonic() - asked)
        assert max(waits) < 2.0, waits  # each time well before FALLBACK_POLL_SECONDS (10 s)


def test_an_unknown_role_is_refused_in_one_line(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "serve", "--role", "cook"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s" * 32},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "oncall-bot: ROLE is invalid: must be one of all, web, worker, scheduler (not 'cook')"
    ]

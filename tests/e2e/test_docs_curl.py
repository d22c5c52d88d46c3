"""Every `curl` the docs show, pasted as written into a shell, against a running `oncall-bot serve`.

The only change made to a block is its address: the docs post to the bot's default local address
(`http://localhost:<default PORT>`), the test to the port its bot listens on. The token comes from
`$WEBHOOK_TOKEN`, as the docs say to export it. The bot's ONCALL_CONFIG is the page's own snippets
(tests/docs_blocks.py), so a curl that needs a setting (PagerDuty's signing secret) finds it there.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import SlackEmulator
from storage.engine import Database
from storage.tables import Alert, Heartbeat, SloEvent
from tests.docs_blocks import DEFAULT_ADDRESS, SHELL, Block, blocks, write_config
from tests.e2e.bot_process import BotProcess, free_port, running, serve_environment
from tests.e2e.conftest import SIGNING_SECRET, WEBHOOK_TOKEN

CURLS = [block for block in blocks(*SHELL) if re.search(r"(^|\s)curl\s", block.text)]
TARGET = re.compile(re.escape(DEFAULT_ADDRESS) + r"(/[^\s'\"\\]*)")


def test_each_webhook_source_has_a_curl_in_docs_configuration_md() -> None:
    shown = {path for block in CURLS for path in TARGET.findall(block.text)}
    assert {f"/webhooks/{source}" for source in ("alertmanager", "grafana", "pagerduty", "generic")} <= shown


@pytest.mark.parametrize("block", CURLS, ids=[block.where for block in CURLS])
async def test_a_documented_curl_works_as_written(block: Block, database_url: str, tmp_path: Path) -> None:
    [path] = set(TARGET.findall(block.text)) or [None]
    assert path is not None, f"{block.where}: a curl the docs show posts to the bot at {DEFAULT_ADDRESS}"
    slack = SlackEmulator(scopes=REQUIRED_SCOPES, signing_secret=SIGNING_SECRET, rate_limits=False)
    await slack.start()
    alice = slack.add_user("alice")
    for channel in ("incidents", "alerts"):
        slack.add_channel(channel, creator=alice, members=[alice])
    config = write_config(block.path, tmp_path)
    bot = BotProcess(
        "bot", serve_environment(database_url=database_url, port=free_port(), slack=slack, config=config), tmp_path
    )
    try:
        async with running(bot):
            before = await _stored(database_url, path)

            shell = await asyncio.create_subprocess_exec(
                "bash",
                "-c",
                block.text.replace(DEFAULT_ADDRESS, bot.url("")),
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "WEBHOOK_TOKEN": WEBHOOK_TOKEN},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output = (await asyncio.wait_for(shell.communicate(), timeout=30))[0].decode()

            assert shell.returncode == 0, f"{block.where} exited {shell.returncode}:\n{output}"
            assert await _stored(database_url, path) > before, f"{block.where} stored nothing:\n{output}"
            answered = ('"accepted"', '"slo"', '"heartbeat"')
            assert any(key in output for key in answered), output  # the bot's answer, shown to the reader
            assert "Traceback" not in bot.log_text()
    finally:
        await slack.stop()


async def _stored(database_url: str, path: str) -> int:
    """How many rows what the path receives has: alerts of its source, an SLO's pushed events, heartbeats beaten."""
    database = Database(database_url)
    try:
        async with database.reading() as session:
            if webhook := re.fullmatch(r"/webhooks/([a-z]+)", path):
                query = select(func.count()).select_from(Alert).where(Alert.source == webhook.group(1))
            elif beat := re.fullmatch(r"/webhooks/heartbeat/([^/]+)", path):
                query = (
                    select(func.count())
                    .select_from(Heartbeat)
                    .where(Heartbeat.name == beat.group(1), col(Heartbeat.last_beat_at).is_not(None))
                )
            elif events := re.fullmatch(r"/api/v1/slos/([^/]+)/events", path):
                query = select(func.count()).select_from(SloEvent).where(SloEvent.slo == events.group(1))
            else:
                raise AssertionError(f"the test does not know what {path} stores: teach it")
            return int((await session.exec(query)).one())
    finally:
        await database.dispose()

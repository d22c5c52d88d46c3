"""Pages through crashes and Slack outages, on both databases: the bot killed (SIGKILL) while a page is
being delivered pages once after its restart, and 503s and 429s delay a page without doubling it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slack_emulator import SlackEmulator
from tests.e2e.bot_process import BotProcess, free_port, serve_environment
from tests.helpers import eventually

WAIT_SECONDS = 4


@pytest.fixture
def bot(database_url: str, slack: SlackEmulator, tmp_path: Path) -> BotProcess:
    alice, carol = slack.add_user("alice"), slack.add_user("carol")
    slack.add_channel("general", creator=alice, members=[alice, carol])
    slack.add_channel("incidents", creator=alice, members=[alice])
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    config = tmp_path / "oncall.yml"
    config.write_text(f"""
schedules:
  - name: payments
    layers:
      - name: primary
        users: [{alice}]
        start: {start}
        rotation: 1w
escalation_policies:
  - name: payments-critical
    steps:
      - notify: [schedule:payments]
        wait: {WAIT_SECONDS}s
      - notify: [user:{carol}]
        wait: 1h
""")
    env = serve_environment(database_url=database_url, port=free_port(), slack=slack, config=config)
    process = BotProcess("bot", env, tmp_path)
    slack.bot_endpoint = process.url("/slack/events")
    return process


def person(slack: SlackEmulator, name: str) -> str:
    return next(user.id for user in slack.users.values() if user.name == name)


def pages_to(slack: SlackEmulator, name: str) -> list[str]:
    dm = slack.channel_by_name(f"dm-{person(slack, name).lower()}")
    return [m.text for m in slack.messages(dm.id) if "You are paged" in m.text] if dm is not None else []


async def declare_and_page(slack: SlackEmulator) -> str:
    alice, general = person(slack, "alice"), next(c.id for c in slack.channels.values() if c.name == "general")
    await slack.slash_command(user=alice, channel=general, text="declare Checkout is down sev1")

    def incident_channel() -> str:
        found = [c.id for c in slack.channels.values() if c.name.startswith("inc-")]
        assert len(found) == 1
        return found[0]

    channel = await eventually(incident_channel, within=20)
    announcements = next(c.id for c in slack.channels.values() if c.name == "incidents")
    # The summary and the announcement are posted: what follows is the page's doing.
    await eventually(lambda: bool(slack.messages(channel)) and bool(slack.messages(announcements)), within=20)
    return channel


async def test_killed_while_a_page_is_delivered_it_pages_once_after_the_restart(
    bot: BotProcess, slack: SlackEmulator
) -> None:
    try:
        await bot.start()
        await bot.wait_ready()
        channel = await declare_and_page(slack)
        # Slack takes each post, then answers slowly: the bot is killed after the page is in Slack
        # but before it has recorded that.
        slack.delay("chat.postMessage", seconds=8, times=3, after_commit=True)
        page = await slack.slash_command(user=person(slack, "alice"), channel=channel, text="page payments-critical")
        assert page.status == 200
        await eventually(lambda: len(pages_to(slack, "alice")) == 1, within=20)
        await bot.kill()
        slack.heal("chat.postMessage")
        await bot.start()
        await bot.wait_ready(within=60)
        # Step 2 comes a wait later, once; step 1 is not sent again.
        await eventually(lambda: len(pages_to(slack, "carol")) == 1, within=20 + WAIT_SECONDS)
        await eventually(lambda: sum("Paging <@" in m.text for m in slack.messages(channel)) == 2, within=20)
    finally:
        await bot.stop()
    assert len(pages_to(slack, "alice")) == 1 and len(pages_to(slack, "carol")) == 1


async def test_slack_503s_and_429s_delay_a_page_and_never_double_it(bot: BotProcess, slack: SlackEmulator) -> None:
    try:
        await bot.start()
        await bot.wait_ready()
        channel = await declare_and_page(slack)
        slack.fail("chat.postMessage", status=503, times=2)
        slack.rate_limit("chat.postMessage", retry_after=1, times=1)
        await slack.slash_command(user=person(slack, "alice"), channel=channel, text="page payments-critical")
        await eventually(lambda: len(pages_to(slack, "alice")) == 1, within=30)
        await eventually(lambda: any("Paging <@" in m.text for m in slack.messages(channel)), within=30)
    finally:
        await bot.stop()
    assert len(pages_to(slack, "alice")) == 1

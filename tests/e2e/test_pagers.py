"""Phones over HTTP: a policy's step pages PagerDuty (the bundled emulator) and a signed webhook through the
outbox; acknowledging and resolving follow with the same dedup_key; outages delay and never lose or double;
a webhook without its secret, or a bad routing key, stops the bot before it starts, in one line."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import col, select

from bot.keys import escalation_worker_key
from bot.paging.blocks import ACK_ACTION
from slack_emulator.pagerduty import PagerDutyEmulator
from storage.tables import Escalation, OutboxEntry, Page
from tests.e2e.conftest import People, StartBot, Workspace
from tests.helpers import eventually, running_pagerduty

KEY = "R0123456789ABCDEF0123456789ABCDE"
DEDUP = "oncall-bot-INC-1"
SECRET = "e2e-paging-webhook-secret-0123456789"


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    async with running_pagerduty() as emulator:
        yield emulator


def config(*, step: str) -> Callable[[People], str]:
    def text(people: People) -> str:
        return f"""
escalation_policies:
  - name: phones
    steps:
      - notify: [user:{people.alice}]
        {step}
        wait: 5m
"""

    return text


async def paged(workspace: Workspace, done: Callable[[], bool], title: str = "Checkout is down sev1") -> str:
    channel = await workspace.declare(title)
    reply = await workspace.command("page phones Card payments fail", channel=channel)
    assert reply["text"] == "Paging for *INC-1* with *phones*."

    async def performed() -> bool:
        await workspace.settle()
        return done()

    await eventually(performed, within=15)
    return channel


async def test_pagerduty_is_triggered_acknowledged_by_the_button_and_resolved_with_one_dedup_key(
    start_bot: StartBot, pagerduty: PagerDutyEmulator
) -> None:
    workspace = await start_bot(config(step=f"pagerduty: {KEY}"), pagerduty_events_url=pagerduty.events_url)
    slack, alice = workspace.slack, workspace.people.alice
    channel = await paged(workspace, lambda: pagerduty.actions() == ["trigger"])

    [event] = pagerduty.events
    assert event["routing_key"] == KEY and event["dedup_key"] == DEDUP
    assert event["payload"]["summary"] == "INC-1 Checkout is down (SEV1)"
    assert event["payload"]["severity"] == "critical" and event["payload"]["source"] == "oncall-bot"
    assert event["payload"]["custom_details"] == {
        "incident": "INC-1",
        "policy": "phones",
        "step": 1,
        "message": "Card payments fail",
    }
    assert event["links"] == [
        {"href": f"https://slack.com/app_redirect?channel={channel}", "text": f"Slack #{slack.channels[channel].name}"}
    ]
    assert any(
        text.startswith(f":rotating_light: Paging <@{alice}>, PagerDuty (step 1") for text in workspace.posts(channel)
    )
    async with workspace.database.transaction() as session:
        pages = (await session.exec(select(Page).order_by(col(Page.id)))).all()
    assert [(p.kind, p.target) for p in pages] == [("user", alice), ("pagerduty", KEY)]

    dm = slack.channel_by_name(f"dm-{alice.lower()}")
    assert dm is not None
    page = next(m for m in slack.messages(dm.id) if "You are paged" in m.text)
    await slack.click_button(user=alice, channel=dm.id, message_ts=page.ts, action_id=ACK_ACTION, value="1")
    await workspace.settle()
    assert pagerduty.actions() == ["trigger", "acknowledge"]
    assert pagerduty.alerts[DEDUP].status == "acknowledged"

    await workspace.command("resolve", channel=channel)
    await workspace.settle()
    assert pagerduty.actions(DEDUP) == ["trigger", "acknowledge", "resolve"]
    assert pagerduty.alerts[DEDUP].status == "resolved"
    assert [e["routing_key"] for e in pagerduty.events] == [KEY] * 3


async def test_the_command_and_the_commander_acknowledge_and_an_incident_never_triggered_tells_nobody(
    start_bot: StartBot, pagerduty: PagerDutyEmulator
) -> None:
    workspace = await start_bot(
        config(step=f"pagerduty: {KEY}"), pagerduty_events_url=pagerduty.events_url, pagerduty_dedup_prefix="acme"
    )
    channel = await paged(workspace, lambda: pagerduty.actions() == ["trigger"])
    assert pagerduty.events[0]["dedup_key"] == "acme-INC-1"
    await workspace.command("ack", channel=channel, user=workspace.people.bob)
    await workspace.settle()
    assert pagerduty.actions() == ["trigger", "acknowledge"]
    await workspace.command("page phones", channel=channel)

    async def triggered_again() -> bool:
        await workspace.settle()
        return pagerduty.actions() == ["trigger", "acknowledge", "trigger"]

    await eventually(triggered_again, within=15)
    await workspace.command(f"assign commander <@{workspace.people.carol}>", channel=channel)
    await workspace.settle()
    assert pagerduty.actions("acme-INC-1") == ["trigger", "acknowledge", "trigger", "acknowledge"]

    other = await workspace.declare("Search is slow sev3")
    await workspace.command("resolve", channel=other)
    await workspace.settle()
    assert all(e["dedup_key"] == "acme-INC-1" for e in pagerduty.events)  # INC-2 never paged PagerDuty


async def test_taking_command_after_the_policy_ran_out_of_steps_still_acknowledges_in_pagerduty(
    start_bot: StartBot, pagerduty: PagerDutyEmulator
) -> None:
    workspace = await start_bot(config(step=f"pagerduty: {KEY}"), pagerduty_events_url=pagerduty.events_url)
    channel = await paged(workspace, lambda: pagerduty.actions() == ["trigger"])
    async with workspace.database.transaction() as session:
        escalation = (await session.exec(select(Escalation))).one()
    assert await workspace.server.app[escalation_worker_key].run_due(escalation.next_at + timedelta(seconds=1)) == 1
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(Escalation))).one().state == "exhausted"
    await workspace.command(f"assign commander <@{workspace.people.carol}>", channel=channel)
    await workspace.settle()
    assert pagerduty.actions() == ["trigger", "acknowledge"]


async def test_an_outage_delays_the_trigger_and_never_loses_or_doubles_it(
    start_bot: StartBot, pagerduty: PagerDutyEmulator
) -> None:
    workspace = await start_bot(config(step=f"pagerduty: {KEY}"), pagerduty_events_url=pagerduty.events_url)
    pagerduty.fail_next(503, times=2)
    pagerduty.fail_next(429)
    channel = await paged(workspace, lambda: pagerduty.requests >= 4)
    assert pagerduty.actions() == ["trigger"] and pagerduty.requests == 4
    assert len(pagerduty.alerts) == 1
    async with workspace.database.transaction() as session:
        [entry] = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "pagerduty_event"))).all()
    assert (entry.state, entry.attempts, entry.last_error) == ("done", 4, None)
    # Slack's posts went on meanwhile: the pager has its own lane.
    assert any("Paging" in text for text in workspace.posts(channel))


async def test_an_event_pagerduty_refuses_is_parked_with_its_errors_and_the_next_still_goes(
    start_bot: StartBot, pagerduty: PagerDutyEmulator
) -> None:
    workspace = await start_bot(config(step=f"pagerduty: {KEY}"), pagerduty_events_url=pagerduty.events_url)
    pagerduty.fail_next(400)
    channel = await paged(workspace, lambda: pagerduty.requests == 1)
    async with workspace.database.transaction() as session:
        [entry] = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "pagerduty_event"))).all()
    assert (entry.state, entry.attempts) == ("dead", 1)  # the same event would be refused again: not retried
    assert entry.last_error == (
        "pagerduty.enqueue: invalid event: Event object is invalid (refused by the test (fail_next))"
    )
    await workspace.command("resolve", channel=channel)
    await workspace.settle()
    assert pagerduty.actions() == ["resolve"]  # a parked entry does not hold up its lane


async def test_a_wrong_events_url_is_parked_not_retried_forever(
    start_bot: StartBot, pagerduty: PagerDutyEmulator
) -> None:
    url = pagerduty.events_url.replace("/v2/", "/v3/")
    workspace = await start_bot(config(step=f"pagerduty: {KEY}"), pagerduty_events_url=url)

    async def parked() -> bool:
        await workspace.settle()
        async with workspace.database.transaction() as session:
            entry = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "pagerduty_event"))).first()
        return entry is not None and entry.state == "dead"

    await paged(workspace, lambda: True)
    await eventually(parked, within=15)
    async with workspace.database.transaction() as session:
        entry = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "pagerduty_event"))).one()
    assert (entry.last_error or "").startswith("pagerduty.enqueue: http_404")


class Receiver:
    """A webhook receiver as an operator would write one: it checks the signature and the timestamp."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.attempts = 0
        self._fail = fail

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self._fail:
            self._fail -= 1
            return web.Response(status=500)
        body, timestamp = await request.read(), request.headers["X-Oncall-Timestamp"]
        expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers["X-Oncall-Signature"], f"sha256={expected}"):
            return web.Response(status=401)
        if abs(time.time() - int(timestamp)) > 300:
            return web.Response(status=401)  # a replay of an old delivery
        self.received.append(json.loads(body))
        return web.Response(status=204)


async def test_a_webhook_gets_signed_events_that_verify_and_a_failed_delivery_is_retried_as_is(
    start_bot: StartBot, aiohttp_server: Callable[..., Any]
) -> None:
    receiver = Receiver(fail=1)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = await aiohttp_server(app)
    url = str(server.make_url("/hook"))
    workspace = await start_bot(config(step=f"webhook: {url}"), paging_webhook_secret=SECRET)
    channel = await paged(workspace, lambda: len(receiver.received) == 1)
    assert receiver.attempts == 2  # the 500 was retried
    [event] = receiver.received
    assert event["event"] == "trigger" and (event["policy"], event["step"]) == ("phones", 1)
    assert event["message"] == "Card payments fail"
    assert event["incident"]["reference"] == "INC-1" and event["incident"]["severity"] == "SEV1"
    assert event["incident"]["url"] == f"https://slack.com/app_redirect?channel={channel}"
    await workspace.command("ack", channel=channel)
    await workspace.command("resolve", channel=channel)
    await workspace.settle()
    assert [e["event"] for e in receiver.received] == ["trigger", "acknowledge", "resolve"]
    assert receiver.received[1]["by"] == workspace.people.alice
    assert receiver.received[2]["incident"]["status"] == "resolved"
    assert len({e["delivery"] for e in receiver.received}) == 3


def _serve(tmp_path: Path, config: str, **env: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "oncall.yml"
    path.write_text(config, encoding="utf-8")
    variables = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": "xoxb-unused",
        "SLACK_SIGNING_SECRET": "unused-signing-secret",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}",
        "ONCALL_CONFIG": str(path),
        "PORT": "0",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "serve"], capture_output=True, text=True, timeout=60, env=variables
    )


POLICY = """
escalation_policies:
  - name: phones
    steps:
      - {step}
"""


def test_a_webhook_without_its_secret_or_a_bad_routing_key_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    no_secret = _serve(tmp_path, POLICY.format(step="webhook: https://hooks.example.com/page"))
    assert no_secret.returncode == 2
    assert no_secret.stderr.splitlines() == [
        "oncall-bot: PAGING_WEBHOOK_SECRET is required: escalation policy phones has a webhook, whose deliveries are"
        " signed with it (set a long random string, see .env.example)"
    ]
    bad_key = _serve(tmp_path, POLICY.format(step="pagerduty: 0123456789abcdef"))
    assert bad_key.returncode == 2
    assert bad_key.stderr.splitlines() == [
        f"oncall-bot: ONCALL_CONFIG {tmp_path / 'oncall.yml'}: escalation_policies[0].steps[0].pagerduty is not a"
        " PagerDuty routing key (16 characters): copy the 32-character Integration Key of the service's Events API"
        " v2 integration"
    ]
    plain_http = _serve(
        tmp_path, POLICY.format(step="webhook: http://hooks.example.com/page"), PAGING_WEBHOOK_SECRET=SECRET
    )
    assert plain_http.returncode == 2 and "is not an https:// URL" in plain_http.stderr
    assert not (tmp_path / "oncall.db").exists()  # refused before anything was migrated


async def test_the_web_page_and_the_postmortem_show_pagers_without_their_key_or_path(
    start_bot: StartBot, pagerduty: PagerDutyEmulator, aiohttp_server: Callable[..., Any]
) -> None:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook/token-in-the-path-0123", receiver.handle)
    url = str((await aiohttp_server(app)).make_url("/hook/token-in-the-path-0123"))
    web_token = "e2e-web-token-0123456789"
    workspace = await start_bot(
        config(step=f"pagerduty: {KEY}\n        webhook: {url}"),
        pagerduty_events_url=pagerduty.events_url,
        paging_webhook_secret=SECRET,
        web_token=web_token,
    )
    channel = await paged(workspace, lambda: pagerduty.actions() == ["trigger"] and len(receiver.received) == 1)
    assert any(
        text.startswith(f":rotating_light: Paging <@{workspace.people.alice}>, PagerDuty, webhook (127.0.0.1) (step 1")
        for text in workspace.posts(channel)
    )
    for path in ("/incidents/INC-1", "/incidents/INC-1/postmortem"):
        async with workspace.client.get(path, headers={"Authorization": f"Bearer {web_token}"}) as response:
            page = await response.text()
        assert response.status == 200, path
        assert "PagerDuty" in page and "webhook (127.0.0.1)" in page, path
        assert KEY not in page and "token-in-the-path" not in page, path

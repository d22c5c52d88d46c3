"""PostgreSQL restarts under a running bot: senders are told to retry, nothing accepted is lost, and the
bot recovers without being restarted.

The machine's PostgreSQL is shared, so it is never restarted: a TCP proxy between the bot and it cuts
every connection and refuses new ones for a while, which is what the bot sees of a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from bot.app import create_app
from slack_emulator import SlackEmulator
from storage.tables import AlertGroup, OutboxEntry, TimelineEntry
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import WEBHOOK_TOKEN, People, Workspace, make_settings
from tests.helpers import eventually
from tests.peers.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgresql_only, pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    address = urlsplit(database_url)
    async with TcpProxy(address.hostname or "127.0.0.1", address.port or 5432) as running:
        yield running


@pytest.fixture
async def workspace(
    proxy: TcpProxy, database_url: str, slack: SlackEmulator, aiohttp_server: Callable[..., Any]
) -> AsyncIterator[Workspace]:
    """The bot in this process, reaching PostgreSQL only through the proxy."""
    people = People(*(slack.add_user(name) for name in ("alice", "bob", "carol")))
    general = slack.add_channel("general", creator=people.alice, members=[people.alice, people.bob])
    incidents = slack.add_channel("incidents", creator=people.alice, members=[people.alice])
    proxied = urlsplit(database_url)._replace(netloc=f"postgres@127.0.0.1:{proxy.port}").geturl()
    app = create_app(make_settings(slack, proxied, webhook_token=WEBHOOK_TOKEN))
    server: TestServer = await aiohttp_server(app)
    slack.bot_endpoint = str(server.make_url("/slack/events"))
    running = Workspace(slack, server, people, general, incidents)
    yield running
    await slack.drain()
    await running.close()


async def _get(workspace: Workspace, path: str) -> tuple[int, Any]:
    async with workspace.client.get(path) as response:
        return response.status, await response.json()


async def _rows(workspace: Workspace, table: Any) -> list[Any]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(table))).all())


async def test_postgresql_restart_is_answered_503_and_the_bot_recovers_without_losing_anything(
    workspace: Workspace, proxy: TcpProxy
) -> None:
    slack, alice = workspace.slack, workspace.people.alice
    before = await workspace.webhook("alertmanager", am_group([am_alert("BeforeOutage")]))
    assert before.status == 200
    channel = await workspace.declare("Declared before the outage sev2")
    # Slack posts this note, but its answer only comes back once the database is gone.
    slack.delay("chat.postMessage", seconds=1.5, after_commit=True)
    await workspace.command("note posted as the database went away", channel=channel)
    await eventually(lambda: any(m.text.endswith("as the database went away") for m in slack.messages(channel)))
    posts_answered = len(slack.calls_to("chat.postMessage"))

    await proxy.refuse()
    during = await workspace.webhook("alertmanager", am_group([am_alert("DuringOutage")]))
    assert during.status == 503 and during.headers["Retry-After"].isdigit()
    assert (await during.json())["error"] == "unavailable"
    declared = await slack.slash_command(user=alice, channel=workspace.general, text="declare During the outage")
    assert declared.status == 200, declared.text  # a slash command's failure is said to the person
    assert declared.json()["response_type"] == "ephemeral"
    assert declared.json()["text"].startswith(":warning: Nothing was done: the database is unreachable.")
    _, event = await slack.post_message(user=alice, channel=channel, text="is anyone looking at this?")
    assert event is not None
    assert event.status == 503 and event.json()["error"] == "unavailable", event.text
    async with workspace.client.post("/slack/events", data=event.body, headers=event.headers) as again:
        assert again.status == 503 and again.headers["Retry-After"].isdigit()
    status, ready = await _get(workspace, "/readyz")
    assert status == 503 and ready["database"] == "unreachable: ConnectionRefusedError", ready
    assert await _get(workspace, "/healthz") == (200, {"status": "ok"})
    # The note's answer arrives while the database is down: the worker holds on to it.
    await eventually(lambda: len(slack.calls_to("chat.postMessage")) > posts_answered, within=10)

    await proxy.accept()

    async def serving() -> bool:
        return (await _get(workspace, "/readyz"))[0] == 200

    await eventually(serving, within=15)
    after = await workspace.webhook("alertmanager", am_group([am_alert("AfterOutage")]))
    assert after.status == 200 and (await after.json())["opened"]
    # What senders do with a failure: Alertmanager resends the notification, Slack retries the event.
    resent = await workspace.webhook("alertmanager", am_group([am_alert("DuringOutage")]))
    assert resent.status == 200 and (await resent.json())["opened"]
    retried = await slack.deliver("event", event.json_body(), retry_num=1, retry_reason="http_error")
    assert retried.status == 200
    await workspace.settle(within=20)  # well inside the two-minute lease the note's entry holds

    titles = sorted(channel.purpose for channel in workspace.incident_channels())
    assert len(titles) == 4 and "Declared before the outage" in titles, titles
    assert [m.text for m in slack.messages(channel) if m.text.endswith("as the database went away")] == [
        f":memo: Note from <@{alice}>: posted as the database went away"
    ]
    assert [entry.text for entry in await _rows(workspace, TimelineEntry) if "anyone looking" in entry.text] == [
        "is anyone looking at this?"
    ]
    groups = await _rows(workspace, AlertGroup)
    assert len(groups) == 3 and all(group.incident_id is not None for group in groups)
    assert {entry.state for entry in await _rows(workspace, OutboxEntry)} == {"done"}

"""What an unauthenticated sender on the network can do to /slack/events: nothing that lasts.

Findings of the hardening review (issue 18): every refused request naming a command used to add a
Prometheus series (20,000 requests made /metrics 27 MB), and malformed unsigned bodies got a 500
with a full traceback each.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from storage.tables import Incident
from tests.e2e.conftest import StartBot, Workspace


async def _series(workspace: Workspace) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    response = await workspace.client.get("/metrics")
    return {
        (sample.name, frozenset(sample.labels.items()))
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


async def test_refused_commands_create_no_metric_series(workspace: Workspace) -> None:
    before = await _series(workspace)
    for n in range(50):
        response = await workspace.client.post(
            "/slack/events",
            data={"command": f"/x{n}", "text": "declare Forged"},
            headers={"X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": "1"},
        )
        assert response.status == 401
    assert await _series(workspace) == before


async def test_only_the_commands_the_bot_answers_become_labels(workspace: Workspace) -> None:
    for name in ("/a", "/b", "/c"):
        await workspace.slack.deliver("command", _command(workspace, name))
    await workspace.declare("Checkout is down sev2")
    commands = {
        dict(labels).get("command")
        for name, labels in await _series(workspace)
        if name.startswith("oncall_slash_command_ack_seconds")
    }
    assert commands == {"/incident"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"payload=%7Bnot-json"),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage"),
        ("application/json", b'{"type": '),
        ("application/json", b"[1, 2, 3]"),
        ("text/plain", b"\x00" * 64),
    ],
)
async def test_malformed_unsigned_bodies_get_a_4xx_and_no_traceback(
    workspace: Workspace, content_type: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await workspace.client.post("/slack/events", data=body, headers={"Content-Type": content_type})
    assert 400 <= response.status < 500, await response.text()
    assert not [record for record in caplog.records if record.exc_info], "no traceback for a stranger's junk"


def _command(workspace: Workspace, command: str) -> dict[str, str]:
    return {
        "command": command,
        "text": "help",
        "user_id": workspace.people.alice,
        "channel_id": workspace.general,
        "team_id": workspace.slack.team_id,
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:1/unused",
    }


async def test_in_socket_mode_a_request_signed_with_an_empty_secret_is_refused(start_bot: StartBot) -> None:
    workspace = await start_bot(slack_app_token="xapp-emulator-token", slack_signing_secret=None)
    body = urlencode(_command(workspace, "/incident") | {"text": "declare Forged"}).encode()
    timestamp = str(int(time.time()))
    # slack_sdk refuses to sign with an empty secret; an attacker would not ask it.
    forged = "v0=" + hmac.new(b"", f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    response = await workspace.client.post(
        "/slack/events",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": forged,
        },
    )
    assert response.status == 404
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(Incident))).all() == []

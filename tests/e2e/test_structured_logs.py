"""Logs an operator can follow: one JSON object per line, each carrying the id of the request it belongs to."""

from __future__ import annotations

import json

import pytest

from bot.keys import settings_key
from bot.observability.logs import configure_logging
from bot.settings import LogFormat
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import Workspace


async def test_each_log_line_is_json_with_the_callers_request_id(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    app_settings = workspace.server.app[settings_key].model_copy(update={"log_format": LogFormat.JSON})
    configure_logging(app_settings)

    response = await workspace.webhook(
        "alertmanager", am_group([am_alert("DiskFull")]), headers={"X-Request-Id": "req-from-the-load-balancer"}
    )
    anonymous = await workspace.webhook("alertmanager", am_group([am_alert("CpuHot")]))

    assert response.headers["X-Request-Id"] == "req-from-the-load-balancer"
    generated = anonymous.headers["X-Request-Id"]
    assert len(generated) == 16
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    accepted = [line for line in lines if line["message"].startswith("webhook.accepted")]
    assert [line["request_id"] for line in accepted] == ["req-from-the-load-balancer", generated]
    assert all({"at", "level", "logger", "message"} <= set(line) for line in lines)


async def test_slack_calls_are_logged_with_their_incident_and_outbox_entry_even_inside_slack_sdk(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(workspace.server.app[settings_key].model_copy(update={"log_format": LogFormat.JSON}))
    workspace.slack.fail("conversations.setTopic", status=503)  # slack_sdk's own retry handler takes it

    await workspace.declare("Checkout is down sev2")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    sent = [line for line in lines if line["message"].startswith("outbox.sent")]
    assert sent and all(line["incident"] == "INC-1" and line["outbox_entry"].isdigit() for line in sent)
    [retried] = [line for line in lines if "retry handler" in line["message"] and "setTopic" in line["message"]]
    assert retried["logger"].startswith("slack_sdk") and retried["incident"] == "INC-1"

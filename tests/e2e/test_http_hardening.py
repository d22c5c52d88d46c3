"""Doors every HTTP answer shares: security headers, the request id, the /metrics bearer, token length."""

from __future__ import annotations

import logging

import pytest

from bot.errors import SettingsError
from bot.settings import load_settings
from tests.e2e.conftest import StartBot, Workspace

METRICS_TOKEN = "metrics-token-0123456789"
WEB_TOKEN = "web-token-0123456789abcdef"


async def test_every_answer_carries_security_headers(workspace: Workspace) -> None:
    for path in ("/healthz", "/metrics", "/no-such-page"):
        response = await workspace.client.get(path)
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none' covers it
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("forged", ["abc request_id=admin", "x" * 65, "id\u2028next", 'a"b'])
async def test_a_request_id_that_could_forge_log_fields_is_replaced(
    workspace: Workspace, forged: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await workspace.client.get("/healthz", headers={"X-Request-Id": forged})
    assert response.headers["X-Request-Id"] != forged
    assert response.headers["X-Request-Id"].isalnum()


async def test_a_plain_request_id_is_kept_so_logs_join_up(workspace: Workspace) -> None:
    response = await workspace.client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.2:9"})
    assert response.headers["X-Request-Id"] == "lb-7f3a.2:9"


async def test_metrics_token_guards_the_scrape(start_bot: StartBot) -> None:
    workspace = await start_bot(metrics_token=METRICS_TOKEN)
    assert (await workspace.client.get("/metrics")).status == 401
    wrong = await workspace.client.get("/metrics", headers={"Authorization": "Bearer not-the-metrics-token"})
    assert wrong.status == 401
    right = await workspace.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status == 200 and "oncall_outbox_entries" in await right.text()


@pytest.mark.parametrize("setting", ["WEBHOOK_TOKEN", "WEB_TOKEN", "METRICS_TOKEN"])
def test_short_tokens_are_refused_with_one_line(setting: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(setting, "short-token")
    with pytest.raises(SettingsError, match=rf"^{setting} is invalid: must be at least 16 characters"):
        load_settings(_env_file=None)


async def test_an_incident_number_too_large_to_exist_is_a_404_and_a_clean_reply(start_bot: StartBot) -> None:
    workspace = await start_bot(web_token=WEB_TOKEN)
    huge = "INC-123456789012345678901"
    for path in (f"/incidents/{huge}", f"/incidents/{huge}/postmortem"):
        response = await workspace.client.get(path, headers={"Authorization": f"Bearer {WEB_TOKEN}"})
        assert response.status == 404, await response.text()
    answer = await workspace.command(f"timeline {huge}")
    assert "Traceback" not in answer["text"] and answer["text"]

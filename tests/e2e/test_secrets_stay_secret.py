"""No secret the bot was given shows up in its logs (access logs included), its answers, a postmortem or a page.

The bot runs with DEBUG logs to stderr as `serve` configures them, is fed requests that carry every
secret (a Sign in with Slack round trip with its code, state and tokens, an old `?token=` link, bearer
headers, wrong tokens, a failing Slack call), and everything it wrote or answered is searched for each
secret's value.
"""

from __future__ import annotations

import pytest
from aiohttp import ClientSession

from bot.config.secrets import known_secrets
from bot.keys import config_key, settings_key
from bot.observability.logs import configure_logging
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.browser import Browser
from tests.e2e.conftest import SIGNING_SECRET, WEBHOOK_TOKEN, StartBot

WEB_TOKEN = "web-token-secret-0123456789"
GRAFANA_TOKEN = "grafana-token-secret-42424242"


async def test_secrets_never_reach_logs_answers_postmortems_or_pages(
    start_bot: StartBot, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    workspace = await start_bot(
        f"webhooks:\n  tokens:\n    grafana: {GRAFANA_TOKEN}\n", sign_in=True, web_token=WEB_TOKEN
    )
    app = workspace.server.app
    settings = app[settings_key].model_copy(update={"log_level": "DEBUG"})
    configure_logging(settings, secrets=known_secrets(settings, app[config_key]))
    secrets = [
        workspace.slack.bot_token,
        SIGNING_SECRET,
        WEBHOOK_TOKEN,
        WEB_TOKEN,
        GRAFANA_TOKEN,
        workspace.slack.client_secret,
    ]

    answers: list[str] = []
    channel = await workspace.declare("Checkout is down sev2")
    await workspace.command("note The deploy was rolled back", channel=channel)
    for token in (WEBHOOK_TOKEN, GRAFANA_TOKEN, "wrong-token-0123456789"):
        response = await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]), token=token)
        answers.append(await response.text())
    workspace.slack.fail("chat.postMessage", status=500, times=2)  # a failing Slack call gets logged
    await workspace.command("note Still rolling back", channel=channel)
    await workspace.command("postmortem", channel=channel)
    await workspace.settle()
    base = str(workspace.server.make_url("/"))
    async with ClientSession(base_url=base) as http:
        for path in (f"/login?token={WEB_TOKEN}", "/login?token=not-it", "/", "/incidents/INC-1/postmortem"):
            async with http.get(path, headers={"Authorization": f"Bearer {WEB_TOKEN}"}) as response:
                answers.append(await response.text())
    async with Browser(workspace) as browser:  # Sign in with Slack, with DEBUG logs on
        started = await browser.to_slack()
        back = await browser.at_slack(started.location)
        answers.append((await browser.get(back.location)).text)
        answers.append((await browser.get("/incidents/INC-1")).text)
        session_key = browser.session()
        await browser.post("/logout")
    [exchange] = workspace.slack.ok_calls_to("openid.connect.token")
    assert exchange.response is not None
    one_time = [
        back.query()["code"],
        back.query()["state"],
        exchange.response["id_token"],
        exchange.response["access_token"],
    ]
    secrets += [*one_time, started.cookies["oncall_sign_in"].value, session_key]
    uploads = [file.content.decode(errors="replace") for file in workspace.slack.files.values()]
    slack_posts = [
        message.text for c in workspace.slack.channels.values() for message in workspace.slack.messages(c.id)
    ]

    logs = capsys.readouterr().err
    assert "webhook.accepted" in logs and "/login?token=[redacted]" in logs  # the logs were captured
    assert "/auth/slack/callback?code=[redacted]&state=[redacted]" in logs
    assert "Postmortem" in uploads[0]
    everything = "\n".join([logs, *answers, *uploads, *slack_posts])
    for secret in secrets:
        assert secret not in everything, secret

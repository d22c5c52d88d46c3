"""`oncall-bot doctor` as an operator runs it after installing: what is fine, what is wrong, how to fix it."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest

from slack_emulator import SlackEmulator
from tests.conftest import POSTGRES_ADMIN_DSN
from tests.e2e.bot_process import oncall_bot
from tests.e2e.fresh_database import created
from tests.peers.process import free_port

SIGNING_SECRET = "8f742231b10e8888abcd0123456789ab"


async def doctor(env: dict[str, str]) -> tuple[int, str, str]:
    return await oncall_bot("doctor", env={"PATH": "/usr/bin:/bin", **env})


def line(out: str, check: str) -> str:
    """The one line a check printed (its verdict, name, finding and fix)."""
    [found] = [each for each in out.splitlines() if each[6:].startswith(check + " ")]
    return found


def installed(slack: SlackEmulator, database_url: str) -> dict[str, str]:
    alice = slack.add_user("alice")
    slack.add_channel("incidents", creator=alice)
    slack.add_channel("alerts", creator=alice)
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "WEBHOOK_TOKEN": "doctor-webhook-token-0123456789",
    }


async def test_a_complete_http_install_is_all_good(slack: SlackEmulator, database_url: str) -> None:
    code, out, err = await doctor(installed(slack, database_url))

    assert code == 0, out + err
    assert out.splitlines()[-1] == "all good"
    assert line(out, "Slack token").endswith("workspace Emulated as @oncall")
    assert "HTTP: Slack posts to <public address>/slack/events; `serve` listens on 0.0.0.0:8080" in line(out, "mode")
    assert line(out, "channel #incidents").startswith("ok")
    assert line(out, "channel #alerts").startswith("ok")  # alert webhooks are on: their channel is in use
    assert err == ""


async def test_socket_mode_needs_no_signing_secret(slack: SlackEmulator, database_url: str) -> None:
    env = installed(slack, database_url) | {"SLACK_APP_TOKEN": slack.app_token}
    env.pop("SLACK_SIGNING_SECRET")
    env.pop("WEBHOOK_TOKEN")

    code, out, _ = await doctor(env)

    assert code == 0, out
    assert line(out, "SLACK_SIGNING_SECRET").startswith("ok    SLACK_SIGNING_SECRET  not needed in Socket Mode")
    assert "an app-level token (xapp-)" in line(out, "SLACK_APP_TOKEN")
    assert "Socket Mode: the bot dials out to Slack, no public address needed" in line(out, "mode")


async def test_http_mode_without_a_signing_secret_says_where_to_find_it(slack: SlackEmulator, tmp_path: Path) -> None:
    env = installed(slack, f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}")
    env.pop("SLACK_SIGNING_SECRET")
    code, out, _ = await doctor(env)
    assert code == 1
    assert line(out, "SLACK_SIGNING_SECRET") == (
        "FAIL  SLACK_SIGNING_SECRET  not set: HTTP mode verifies every Slack request with it"
        " → set it to the Signing Secret from Basic Information → App Credentials, or use Socket Mode (SLACK_APP_TOKEN)"
    )


@pytest.mark.parametrize(
    ("tokens", "check", "says"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxp-1234-5678-user"},
            "SLACK_BOT_TOKEN",
            "is a user token (xoxp-) → the bot acts as itself",
        ),
        ({"SLACK_BOT_TOKEN": "abc123"}, "SLACK_BOT_TOKEN", "does not look like a Slack token → set it to the Bot User"),
        ({"SLACK_BOT_TOKEN": '"xoxb-1-2-quoted"'}, "SLACK_BOT_TOKEN", "has spaces or quotes around it"),
        (
            {"SLACK_BOT_TOKEN": "xapp-1-A0-2-app"},
            "SLACK_BOT_TOKEN",
            "is an app-level token (xapp-): that one belongs in",
        ),
        (
            {"SLACK_BOT_TOKEN": "xapp-1-A0-2-app", "SLACK_APP_TOKEN": "xoxb-1-2-bot"},
            "Slack tokens",
            "SLACK_BOT_TOKEN holds the app-level token and SLACK_APP_TOKEN the bot token → swap them",
        ),
        (
            {"SLACK_APP_TOKEN": "xoxb-1-2-bot"},
            "SLACK_APP_TOKEN",
            "is a bot token (xoxb-): that one belongs in SLACK_BOT_TOKEN → set it to an app-level token (xapp-…)",
        ),
        ({"SLACK_APP_TOKEN": "xoxp-1-2-user"}, "SLACK_APP_TOKEN", "is a user token (xoxp-) → set it to an app-level"),
    ],
    ids=["user-token", "junk", "quoted", "app-token-as-bot", "swapped", "bot-token-as-app", "user-token-as-app"],
)
async def test_a_token_of_the_wrong_kind_is_named_before_slack_is_asked(
    slack: SlackEmulator, tmp_path: Path, tokens: dict[str, str], check: str, says: str
) -> None:
    env = installed(slack, f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}") | tokens

    code, out, err = await doctor(env)

    assert code == 1
    assert line(out, check).startswith("FAIL") and says in line(out, check)
    assert out.splitlines()[-1] == "1 problem to fix"
    if "SLACK_BOT_TOKEN" in tokens:  # a wrong bot token is not tried on Slack
        assert slack.calls_to("auth.test") == []
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("api_url", "reason"),
    [
        ("http://slack.invalid/api/", "cannot reach Slack: DNS: slack.invalid does not resolve"),
        ("http://127.0.0.1:{port}/api/", "cannot reach Slack: connection refused by 127.0.0.1:{port}"),
    ],
    ids=["dns", "refused"],
)
async def test_an_unreachable_slack_is_a_network_problem_not_the_token(
    slack: SlackEmulator, tmp_path: Path, api_url: str, reason: str
) -> None:
    port = free_port()
    env = installed(slack, f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}")
    env["SLACK_API_URL"] = api_url.format(port=port)

    code, out, _ = await doctor(env)

    assert code == 1
    found = line(out, "Slack")
    assert found.startswith(f"FAIL  {'Slack':<20}  {reason.format(port=port)} → check the network, DNS, the proxy")
    assert "the token was not tried" in found
    assert "copy the" not in out
    assert out.splitlines()[-1] == "1 problem to fix"


async def test_a_refused_token_is_to_be_copied_again(slack: SlackEmulator, database_url: str) -> None:
    env = installed(slack, database_url) | {"SLACK_BOT_TOKEN": "xoxb-revoked-0000"}
    code, out, _ = await doctor(env)
    assert code == 1
    assert line(out, "Slack token") == (
        "FAIL  Slack token           Slack refused SLACK_BOT_TOKEN (invalid_auth)"
        " → copy the Bot User OAuth Token again (OAuth & Permissions); reinstall the app if it was revoked"
    )


async def test_a_broken_setting_is_named(slack: SlackEmulator, database_url: str) -> None:
    code, out, err = await doctor(installed(slack, database_url) | {"PORT": "eighty"})
    assert code == 1
    assert out.splitlines()[0].startswith("FAIL  settings  PORT")
    assert "Traceback" not in err


async def test_a_fresh_database_will_be_created_and_doctor_creates_nothing(
    slack: SlackEmulator, tmp_path: Path, fresh_database_url: str
) -> None:
    code, out, _ = await doctor(installed(slack, fresh_database_url))

    assert code == 0, out
    found = line(out, "database")
    assert found.startswith("ok") and "creates" in found and "on first start" in found
    assert await created(fresh_database_url, tmp_path / "data") == []


async def test_a_postgresql_database_that_does_not_exist_is_to_be_created(slack: SlackEmulator) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/oncall_missing_{uuid.uuid4().hex[:10]}"
    try:
        (await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)).terminate()
    except OSError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc})")

    code, out, _ = await doctor(installed(slack, url))

    assert code == 1
    assert "the database does not exist → create it (createdb" in line(out, "database")


async def test_every_channel_the_config_names_is_checked(
    slack: SlackEmulator, database_url: str, tmp_path: Path
) -> None:
    env = installed(slack, database_url) | {"ANNOUNCE_CHANNEL": "#war-room"}
    owner = slack.add_user("carol")
    slack.add_channel("payments-alerts", creator=owner, is_private=True)  # the bot was never invited
    slack.add_channel("retros", creator=owner)
    config = tmp_path / "oncall.yml"
    config.write_text(
        "alerts:\n  routes:\n    - match: {team: payments}\n      channel: '#payments-alerts'\n"
        "retros:\n  - {channel: '#retros', start: '2026-12-01T10:00', cadence: 2w}\n"
        "digests:\n  - channel: '#slo-weekly'\n"
    )
    env["ONCALL_CONFIG"] = str(config)

    code, out, _ = await doctor(env)

    assert code == 1
    assert out.splitlines()[-1] == "3 problems to fix"
    assert "does not exist, or is private without the bot (ANNOUNCE_CHANNEL)" in line(out, "channel #war-room")
    assert "(alerts.routes[0].channel)" in line(out, "channel #payments-alerts")
    assert "invite @oncall" in line(out, "channel #payments-alerts")
    assert "(digests[0])" in line(out, "channel #slo-weekly")
    assert line(out, "channel #alerts").startswith("ok")
    assert line(out, "channel #retros") == "ok    channel #retros           exists, the bot can post (retros[0])"


async def test_every_problem_is_listed_with_its_fix(slack: SlackEmulator, database_url: str, tmp_path: Path) -> None:
    env = installed(slack, database_url)
    slack.scopes.discard("files:write")
    env.pop("WEBHOOK_TOKEN")
    config = tmp_path / "oncall.yml"
    prometheus = f"http://127.0.0.1:{free_port()}"
    config.write_text(
        "slos:\n  - name: api\n    service: api\n    objective: 99%\n"
        f"    source: {{type: prometheus, url: '{prometheus}', good_query: g, total_query: t}}\n"
    )
    env["ONCALL_CONFIG"] = str(config)

    code, out, err = await doctor(env)

    assert code == 1
    assert out.splitlines()[-1] == "2 problems to fix"
    assert "files:write (upload the postmortem" in line(out, "Slack scopes") and "reinstall" in line(
        out, "Slack scopes"
    )
    assert f"{prometheus} is unreachable" in line(out, "prometheus")
    assert line(out, "WEBHOOK_TOKEN").startswith("warn")
    assert "channel #alerts" not in out  # no webhook token, so no alert can arrive: its channel is not in use
    assert "Traceback" not in err

"""`oncall-bot doctor` as an operator runs it after installing: what is fine, what is wrong, how to fix it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.emulator import SlackEmulator
from tests.peers.process import free_port


async def doctor(env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "doctor",
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def installed(slack: SlackEmulator, database_url: str) -> dict[str, str]:
    slack.add_channel("incidents", creator=slack.add_user("alice"))
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": "doctor-signing-secret-0123456789",
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "WEBHOOK_TOKEN": "doctor-webhook-token-0123456789",
    }


async def test_a_complete_install_is_all_good(slack: SlackEmulator, database_url: str) -> None:
    code, out, err = await doctor(installed(slack, database_url))

    assert code == 0, out + err
    assert out.splitlines()[-1] == "all good"
    assert "ok    slack scopes" in out and "workspace Emulated as @oncall" in out
    assert "HTTP on 0.0.0.0:3000/slack/events" in out


async def test_every_problem_is_listed_with_its_fix(slack: SlackEmulator, tmp_path: Path) -> None:
    env = installed(slack, f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")  # never migrated
    slack.scopes.discard("files:write")
    env.pop("WEBHOOK_TOKEN")
    env["ANNOUNCE_CHANNEL"] = "#war-room"
    config = tmp_path / "oncall.yml"
    prometheus = f"http://127.0.0.1:{free_port()}"
    config.write_text(
        "slos:\n  - name: api\n    service: api\n    objective: 99%\n"
        f"    source: {{type: prometheus, url: '{prometheus}', good_query: g, total_query: t}}\n"
    )
    env["ONCALL_CONFIG"] = str(config)

    code, out, err = await doctor(env)

    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "4 problems to fix"
    assert "FAIL  database" in out and "run `oncall-bot db upgrade`" in out
    assert "FAIL  slack scopes" in out and "files:write (upload the postmortem" in out and "reinstall the app" in out
    assert "FAIL  ANNOUNCE_CHANNEL" in out and "#war-room does not exist" in out
    assert "FAIL  prometheus" in out and f"{prometheus} is unreachable" in out
    assert "warn  WEBHOOK_TOKEN" in out
    assert "Traceback" not in err


async def test_a_revoked_token_and_a_broken_setting_are_named(slack: SlackEmulator, database_url: str) -> None:
    env = installed(slack, database_url) | {"SLACK_BOT_TOKEN": "xoxb-revoked-0000"}
    code, out, _ = await doctor(env)
    assert code == 1
    assert "FAIL  slack token" in out and "auth.test: invalid_auth" in out

    code, out, err = await doctor(env | {"PORT": "eighty"})
    assert code == 1
    assert out.splitlines()[0].startswith("FAIL  settings  PORT")
    assert "Traceback" not in err

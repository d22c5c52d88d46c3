"""The console script as an operator runs it: migrations on both databases, serve, retro plans, help."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from storage import migrate
from tests.helpers import eventually


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_db_upgrade_brings_an_empty_database_to_head(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = _run("db", "upgrade", env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database is at migration {migrate.head_revision()} (head)"


@pytest.mark.parametrize("access_log", [False, True])
async def test_serve_migrates_an_empty_database_and_answers_health_checks(tmp_path: Path, access_log: bool) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'served.db'}",
        "ACCESS_LOG": str(access_log).lower(),
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli.main",
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            assert await eventually(ready, within=30)
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=b"command=/incident") as response:
                assert response.status == 401  # unsigned: refused before anything runs
    finally:
        server.terminate()
        _, stderr = await asyncio.wait_for(server.communicate(), timeout=30)
    assert server.returncode is not None
    assert b"Traceback" not in stderr
    # The operator's choice: one line per request, or only what the bot itself logs.
    assert (b'"POST /slack/events HTTP/1.1" 401' in stderr) is access_log, stderr.decode()


def test_retro_plan_prints_a_cadences_dates_in_the_configured_zone(tmp_path: Path) -> None:
    config = tmp_path / "oncall.yml"
    config.write_text("timezone: Europe/Madrid\n")
    env = {"ONCALL_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    result = _run(
        "retro", "plan", "--start", "2026-03-22T10:00", "--cadence", "1w", "--count", "3", "--format", "json", env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "2026-03-22T10:00:00+01:00",
        "2026-03-29T10:00:00+02:00",
        "2026-04-05T10:00:00+02:00",
    ]
    table = _run("retro", "plan", "--start", "2026-12-01T10:00", "--cadence", "2w", env=env)
    assert table.stdout.splitlines()[0].split() == ["1", "Tue", "2026-12-01", "10:00", "CET"]
    assert "without end (first 20 shown)" in table.stdout
    bad = _run("retro", "plan", "--start", "2026-12-01T10:00", "--cadence", "2 weeks", env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "oncall-bot: '2 weeks' is not a duration: write e.g. 15m, 2h, 5d or 2w (units s, m, h, d, w)"
    ]


def test_every_command_explains_itself_with_help() -> None:
    top = _run("--help")
    assert top.returncode == 0
    for command in ("serve", "demo", "postmortem", "retro", "outbox", "slo", "doctor", "db"):
        assert command in top.stdout
    for words in (
        ["serve"],
        ["demo"],
        ["postmortem"],
        ["retro", "plan"],
        ["outbox", "retry"],
        ["slo", "report"],
        ["slo", "check"],
        ["doctor"],
        ["db", "upgrade"],
    ):
        helped = _run(*words, "--help")
        assert helped.returncode == 0 and helped.stdout.startswith("usage: oncall-bot " + " ".join(words)), words

"""The first hour with `oncall-bot`: starting `serve`, a port already taken, commands run before the bot ever ran."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from slack_emulator import SlackEmulator
from storage import migrate
from storage.engine import Database
from tests.e2e.bot_process import BotProcess, free_port, oncall_bot, running, serve_environment
from tests.e2e.fresh_database import created

WEB_TOKEN = "first-start-web-token-0123456789"


def said(log: str) -> list[str]:
    """What a log says, without timestamps: `LEVEL logger message` per line."""
    return [" ".join(line.split()[2:]) for line in log.splitlines()]


async def test_a_taken_port_is_one_line_naming_the_setting_and_nothing_is_started(
    slack: SlackEmulator, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    database = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'oncall.db'}"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = serve_environment(database_url=database, port=port, slack=slack)

        code, out, err = await oncall_bot("serve", env=env, cwd=tmp_path)
        assert (code, out, err) == (2, "", f"oncall-bot: port {port} on 127.0.0.1 is in use: set PORT or pass --port\n")

        elsewhere = env | {"PORT": str(free_port())}
        code, out, err = await oncall_bot("serve", "--port", str(port), env=elsewhere, cwd=tmp_path)
        assert (code, err) == (2, f"oncall-bot: port {port} on 127.0.0.1 is in use: set PORT or pass --port\n")

    assert list((tmp_path / "data").iterdir()) == []  # the port came first: nothing migrated, no file
    assert slack.calls == []  # and no Slack session was opened


async def test_a_normal_start_says_one_line_with_the_mode_and_address(slack: SlackEmulator, tmp_path: Path) -> None:
    port = free_port()
    env = serve_environment(database_url=f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}", port=free_port(), slack=slack)
    env |= {"HOST": "0.0.0.0", "WEB_TOKEN": WEB_TOKEN}
    # the options win over HOST and PORT
    bot = BotProcess("bot", env, tmp_path, arguments=["--host", "127.0.0.1", "--port", str(port)])

    async with running(bot):
        pass

    assert said(bot.log_text()) == [
        f"INFO oncall.db database created at migration {migrate.head_revision()}",
        f"INFO oncall.app oncall-bot ready: HTTP mode (Slack posts to /slack/events), listening on 127.0.0.1:{port};"
        f" web pages at http://127.0.0.1:{port}/ (WEB_TOKEN as a bearer)",
        "INFO oncall.outbox outbox.stopped finished_in_flight=0",  # SIGTERM: a clean stop, nothing left open
    ]
    bot.log.unlink()
    async with running(bot):  # again on the same database: nothing to migrate, nothing said about it
        pass
    assert not [line for line in said(bot.log_text()) if "oncall.db" in line]


async def test_socket_mode_says_so_and_the_library_keeps_quiet(slack: SlackEmulator, tmp_path: Path) -> None:
    env = serve_environment(database_url=f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}", port=free_port(), slack=slack)
    env["SLACK_APP_TOKEN"] = slack.app_token
    env.pop("SLACK_SIGNING_SECRET")
    bot = BotProcess("bot", env, tmp_path)
    async with running(bot):
        assert slack.socket_mode.is_connected
    lines = said(bot.log_text())
    ready = f"INFO oncall.app oncall-bot ready: Socket Mode (connected to Slack), listening on 127.0.0.1:{bot.port}"
    assert ready in lines
    assert [line for line in lines if not line.startswith("INFO oncall.")] == []  # no slack_bolt session chatter


async def test_version(tmp_path: Path) -> None:
    code, out, _ = await oncall_bot("--version", env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert code == 0
    assert out.startswith("oncall-bot 0.") and len(out.splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [["postmortem", "INC-1"], ["slo", "report"], ["outbox", "retry"]],
    ids=["postmortem", "slo-report", "outbox-retry"],
)
async def test_commands_before_the_bot_ever_ran_say_so_and_create_nothing(
    fresh_database_url: str, tmp_path: Path, command: list[str]
) -> None:
    config = tmp_path / "oncall.yml"
    config.write_text("slos:\n  - {name: api, service: api, objective: 99%, source: {type: incidents}}\n")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": fresh_database_url, "ONCALL_CONFIG": str(config)}

    code, out, err = await oncall_bot(*command, env=env, cwd=tmp_path)

    assert code == 2
    assert err.splitlines()[-1] == (
        f"oncall-bot: no oncall-bot database at {fresh_database_url}:"
        " run `oncall-bot db upgrade` or start the bot first"
    )
    assert "current migration" not in err and out == ""
    assert await created(fresh_database_url, tmp_path / "data") == []


async def set_revision(url: str, revision: str) -> None:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
    finally:
        await database.dispose()


async def test_a_database_behind_the_code_is_named_with_both_migrations(database_url: str, tmp_path: Path) -> None:
    await set_revision(database_url, "0007")
    try:
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url}
        code, _, err = await oncall_bot("postmortem", "INC-1", env=env, cwd=tmp_path)
    finally:
        await set_revision(database_url, migrate.head_revision())  # as the next test expects it
    assert code == 2
    assert err.splitlines() == [
        f"oncall-bot: the database at {database_url} is at migration 0007, this oncall-bot needs"
        f" {migrate.head_revision()}: run `oncall-bot db upgrade` or start the bot"
    ]

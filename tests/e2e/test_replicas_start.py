"""Replicas of `oncall-bot serve` on one PostgreSQL database: started together on an empty database they
migrate it once, a database newer than the code is refused, and one alert sent to two of them at the same
moment opens one incident."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from slack_emulator import SlackEmulator
from storage import migrate
from tests.conftest import POSTGRES_ADMIN_DSN
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.bot_process import BotProcess, free_port, running, serve_environment
from tests.e2e.conftest import WEBHOOK_TOKEN
from tests.helpers import eventually

REPLICAS = 3
ROUNDS = 4


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    try:
        return list(await connection.fetch(sql))
    finally:
        await connection.close()


@pytest.fixture
def empty_postgres_url(postgres_database: str) -> Iterator[str]:
    """A database of its own with no table at all; `postgres_database` skips when PostgreSQL is missing."""
    name = f"oncall_empty_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield postgres_database.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _set_revision(database_url: str, revision: str) -> None:
    if database_url.startswith("postgresql"):
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
        try:
            await connection.execute("UPDATE alembic_version SET version_num = $1", revision)
        finally:
            await connection.close()
        return
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as file:
        file.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def _replicas(count: int, database_url: str, tmp_path: Path, slack: SlackEmulator | None = None) -> list[BotProcess]:
    return [
        BotProcess(
            f"replica-{n}", serve_environment(database_url=database_url, port=free_port(), slack=slack), tmp_path
        )
        for n in range(1, count + 1)
    ]


@pytest.mark.postgresql_only
async def test_replicas_started_together_on_an_empty_database_migrate_it_once_and_all_get_ready(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    replicas = _replicas(REPLICAS, empty_postgres_url, tmp_path)
    async with running(*replicas):
        pass  # every one answered /readyz 200
    logs = {replica.name: replica.log_text() for replica in replicas}
    migrated = [name for name, log in logs.items() if "database created at migration" in log]
    assert len(migrated) == 1, logs
    assert not [name for name, log in logs.items() if "ERROR" in log or "Traceback" in log], logs
    versions = await _fetch(empty_postgres_url, "SELECT version_num FROM alembic_version")
    assert [row["version_num"] for row in versions] == [migrate.head_revision()]


async def test_replica_started_on_a_database_newer_than_its_code_exits_with_one_line(
    database_url: str, tmp_path: Path
) -> None:
    [replica] = _replicas(1, database_url, tmp_path)
    try:
        await _set_revision(database_url, "9999_from_the_future")
        await replica.start()
        assert replica.process is not None
        assert await asyncio.wait_for(replica.process.wait(), timeout=30) == 2
    finally:
        await replica.stop()
        await _set_revision(database_url, migrate.head_revision())  # as the next test expects it
    said = [line for line in replica.log_text().splitlines() if not line[:4].isdigit()]  # not a log line
    assert said == [
        "oncall-bot: the database is at migration 9999_from_the_future, which this version of oncall-bot does not"
        " know; upgrade oncall-bot"
    ]


@pytest.mark.postgresql_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_one_alert_sent_to_two_replicas_at_the_same_moment_opens_one_incident(
    database_url: str, slack: SlackEmulator, tmp_path: Path
) -> None:
    alice = slack.add_user("alice")
    slack.add_channel("incidents", creator=alice, members=[alice])
    replicas = _replicas(2, database_url, tmp_path, slack)
    headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}

    async def post(replica: BotProcess, body: bytes) -> list[str]:
        async with http.post(replica.url("/webhooks/alertmanager"), data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            return list((await response.json())["opened"])

    async with running(*replicas), aiohttp.ClientSession() as http:
        for round_ in range(1, ROUNDS + 1):
            body = json.dumps(am_group([am_alert(f"SeenByBoth{round_}")])).encode()
            answers = await asyncio.gather(*(post(replica, body) for replica in replicas))
            assert sorted(answers) == [[], [f"INC-{round_}"]], answers  # one opened it, the other found it
            again = await asyncio.gather(*(post(replica, body) for replica in replicas))
            assert again == [[], []]

        def channels() -> list[str]:
            names = sorted(channel.name for channel in slack.channels.values() if channel.name.startswith("inc-"))
            assert len(names) == ROUNDS, names
            return names

        names = await eventually(channels, within=20)
        assert [name.split("-")[1] for name in names] == [str(n) for n in range(1, ROUNDS + 1)]
        incidents = await _fetch(database_url, "SELECT id FROM incidents")
        assert len(incidents) == ROUNDS

"""A database that answers reads but refuses writes: the bot says so at every door, and keeps what it had.

A read-only database (a failed-over replica, a volume remounted read-only, a full disk) still
answers `SELECT 1`, so a plain ping calls it healthy while every change is lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlmodel import select

from storage.tables import Incident
from tests.conftest import POSTGRES_ADMIN_DSN
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import Workspace


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def read_only(database_url: str) -> AsyncIterator[str]:
    """The bot's PostgreSQL database, given back writable after the test made it read-only."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no read-only switch another process can flip (and root ignores file modes)")
    name = database_url.rsplit("/", 1)[1]
    yield name
    # Whatever the test did, the next test on this database must be able to write.
    await _admin(f'ALTER DATABASE "{name}" RESET default_transaction_read_only', _drop_connections(name))


def _drop_connections(name: str) -> str:
    return (
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


async def test_a_read_only_database_is_named_at_every_door_and_nothing_is_lost(
    workspace: Workspace, read_only: str
) -> None:
    await workspace.declare("Declared while writes worked sev2")
    await workspace.settle()
    drop = _drop_connections(read_only)
    await _admin(f'ALTER DATABASE "{read_only}" SET default_transaction_read_only = on', drop)

    ready = await workspace.client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["database"] == "the database refuses writes (it is read-only)"

    hook = await workspace.webhook("alertmanager", am_group([am_alert("DiskFull")]))
    assert hook.status == 503 and hook.headers["Retry-After"].isdigit()
    assert (await hook.json())["message"] == (
        "the database refuses writes (it is read-only); nothing was stored, retry later"
    )

    answer = await workspace.slack.slash_command(
        user=workspace.people.alice, channel=workspace.general, text="declare During read-only sev2"
    )
    assert answer.status == 200 and answer.json()["response_type"] == "ephemeral"
    assert answer.json()["text"] == (
        ":warning: Nothing was done: the database refuses writes (it is read-only)."
        " Try again once it is fixed; `/readyz` shows when."
    )

    await _admin(f'ALTER DATABASE "{read_only}" RESET default_transaction_read_only', drop)
    assert (await workspace.client.get("/readyz")).status == 200
    async with workspace.database.transaction() as session:
        assert [i.title for i in (await session.exec(select(Incident))).all()] == ["Declared while writes worked"]

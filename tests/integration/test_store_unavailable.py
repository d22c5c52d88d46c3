"""A failing database reaches the bot as StoreUnavailable, in the words /readyz, senders and the CLI show.

Storage's doors (sessions, the probe, migrations, the leader lock) translate the driver's errors, so
nothing above storage catches SQLAlchemy's; the bot's own errors pass through them unchanged.
"""

from __future__ import annotations

import socket

import asyncpg
import pytest
from sqlmodel import select

from bot import database as maintenance
from bot.errors import StoreUnavailable, UserError
from bot.leadership import Leadership
from storage.engine import Database
from storage.enums import Severity, Status
from storage.locks import LEADER_LOCK
from storage.tables import Incident
from tests.conftest import POSTGRES_ADMIN_DSN


def _nobody_listening() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/oncall"


async def test_a_server_nobody_answers_at_is_unavailable_at_every_door() -> None:
    database = Database(_nobody_listening())
    try:
        with pytest.raises(StoreUnavailable) as raised:
            async with database.transaction() as session:
                await session.exec(select(Incident))
        assert str(raised.value) == "the database is unreachable"
        assert raised.value.unreachable and raised.value.cause == "ConnectionRefusedError"
        assert "Connect call failed" in raised.value.detail  # what `oncall-bot` prints after "cannot use the database"
        with pytest.raises(StoreUnavailable, match="the database is unreachable"):
            await maintenance.upgrade(database.url)
        assert await maintenance.readiness(database) == "unreachable: ConnectionRefusedError"
        leadership = Leadership(database)
        assert not await leadership.try_lead()
    finally:
        await database.dispose()


async def test_the_bots_own_errors_pass_through_a_transaction_which_stores_nothing(database: Database) -> None:
    with pytest.raises(UserError, match="no such incident"):
        async with database.transaction() as session:
            session.add(
                Incident(title="Half done", severity=Severity.SEV2, status=Status.INVESTIGATING, declared_by="U1")
            )
            await session.flush()
            raise UserError("no such incident")
    async with database.reading() as session:
        assert (await session.exec(select(Incident))).all() == []


@pytest.mark.postgresql_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_leader_cut_off_loses_the_lead_and_takes_it_back_at_its_next_try(database: Database) -> None:
    first, second = Leadership(database), Leadership(database)
    assert await first.try_lead() and not await second.try_lead()

    name = database.url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    try:  # what a restart of PostgreSQL, or a network cut, does to the connection holding the lock
        terminated = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = $2)",
            LEADER_LOCK,
            name,
        )
    finally:
        await admin.close()
    assert terminated == 1

    assert not await first.try_lead()  # found its connection gone: the lock went with it
    assert await second.try_lead() and not await first.try_lead()
    await second.release()
    assert await first.try_lead()
    await first.release()

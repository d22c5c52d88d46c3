"""An install filled at the first migration keeps every incident, role, timeline entry, processed event and
pending Slack call when upgraded to the current schema, on SQLite and on PostgreSQL, and the bot then works on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from bot.incidents import fields
from bot.incidents.models import IncidentRef, RoleName
from bot.incidents.target import Target
from bot.unit_of_work import unit_of_work
from storage import migrate
from storage.engine import Database
from storage.queries import timeline as timeline_queries
from tests.conftest import POSTGRES_ADMIN_DSN

AT = "2026-11-20 10:00:00+00:00"
ROWS = [
    "INSERT INTO incidents (id, title, severity, status, summary, impact, channel_id, declared_by, declared_at,"
    " updated_at) VALUES (7, 'Checkout down', 'SEV2', 'investigating', 'EU only', 'Orders fail', 'C0OLD', 'U1',"
    f" '{AT}', '{AT}'),"
    " (8, 'Search slow', 'SEV3', 'resolved', '', '', 'C0OLDER', 'U2',"
    f" '{AT}', '{AT}')",
    "INSERT INTO roles (incident_id, role, user_id, assigned_by, assigned_at)"
    f" VALUES (7, 'commander', 'U1', 'U1', '{AT}')",
    "INSERT INTO timeline_entries (incident_id, at, kind, author, text, channel_id, slack_ts, is_edited, is_deleted,"
    " has_original, is_pinned, highlight_reactions, highlighted) VALUES"
    f" (7, '{AT}', 'message', 'U1', 'Rolled back 4.2', 'C0OLD', '1700000000.000100',"
    " false, false, true, true, 1, true),"
    f" (7, '{AT}', 'note', 'U2', 'Root cause: a bad config', NULL, NULL, false, false, true, false, 0, false),"
    f" (8, '{AT}', 'message', 'U2', 'deleted later', 'C0OLDER', '1700000000.000200',"
    " false, true, true, false, 0, false)",
    f"INSERT INTO processed_events (event_id, received_at) VALUES ('Ev0OLD', '{AT}')",
    "INSERT INTO outbox (incident_id, kind, payload, state, attempts, not_before, created_at) VALUES"
    f" (7, 'post', '{{\"text\": \"pending note\"}}', 'pending', 0, '{AT}', '{AT}'),"
    f" (7, 'update_summary', '{{}}', 'done', 1, '{AT}', '{AT}')",
]


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    base: str = request.getfixturevalue("postgres_database")  # skips (or fails in CI) without PostgreSQL
    name = f"oncall_old_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _counts(database: Database) -> dict[str, int]:
    tables = ("incidents", "roles", "timeline_entries", "processed_events", "outbox")
    async with database.engine.connect() as connection:
        return {
            table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() for table in tables
        }


async def test_upgrading_from_the_first_migration_loses_nothing_and_the_bot_works_on_it(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        await migrate.upgrade(database, revision="0001")
        async with database.engine.begin() as connection:
            for statement in ROWS:
                await connection.execute(text(statement))
        before = await _counts(database)

        await migrate.upgrade(database)

        assert await migrate.is_current(database)
        assert (
            await _counts(database)
            == before
            == {"incidents": 2, "roles": 1, "timeline_entries": 3, "processed_events": 1, "outbox": 2}
        )
        async with database.engine.connect() as connection:
            incident = (
                await connection.execute(
                    text(
                        "SELECT title, summary, impact, origin, is_storm, is_private, service"
                        " FROM incidents WHERE id = 7"
                    )
                )
            ).one()
            outbox = (
                await connection.execute(text("SELECT kind, state, lane, attempts FROM outbox ORDER BY id"))
            ).all()
        assert tuple(incident) == ("Checkout down", "EU only", "Orders fail", "slack", False, False, None)
        assert [tuple(row) for row in outbox] == [
            ("post", "pending", "incident:7", 0),
            ("update_summary", "done", "incident:7", 1),
        ]

        # and the bot carries on with the old incident: its commander, its timeline, a new note
        begin = unit_of_work(database)
        async with begin() as (session, outbox_writer):
            noted = await fields.add_note(
                session=session,
                outbox=outbox_writer,
                target=Target(ref=IncidentRef(7), channel_id=None),
                text="After the upgrade",
                by="U1",
            )
            entries = await timeline_queries.list_entries(session, 7)
        assert noted.roles[RoleName.COMMANDER] == "U1"
        assert [entry.text for entry in entries][:2] == ["Rolled back 4.2", "Root cause: a bad config"]
        assert entries[-1].text == "After the upgrade"
    finally:
        await database.dispose()

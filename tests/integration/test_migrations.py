"""The schema comes from Alembic on both databases, and `db upgrade` is safe to repeat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

import storage.tables  # noqa: F401  (registers the models on SQLModel.metadata)
from bot.alerts.views import facts
from storage import migrate
from storage.engine import Database
from storage.tables import Alert


async def test_fresh_database_is_migrated_to_head_with_every_table(database: Database) -> None:
    assert await migrate.is_current(database)
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"incidents", "roles", "timeline_entries", "processed_events", "outbox"} <= tables


async def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    await migrate.upgrade(database)
    await migrate.upgrade(database)
    assert await migrate.is_current(database)


async def test_migrations_create_exactly_the_schema_the_models_describe(database: Database) -> None:
    """A model changed without a migration would fail on every install that upgrades."""

    def differences(sync: Any) -> list[Any]:
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return [diff for diff in compare_metadata(context, SQLModel.metadata) if diff[0] != "remove_table"]

    async with database.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []


async def test_alert_migration_keeps_pending_outbox_entries_in_their_incident_order(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(database, revision="0001")
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO incidents (id, title, severity, status, summary, impact, declared_by, declared_at,"
                    " updated_at) VALUES (7, 'Old', 'SEV2', 'investigating', '', '', 'U1', :now, :now)"
                ),
                {"now": "2026-11-20 10:00:00+00:00"},
            )
            await connection.execute(
                text(
                    "INSERT INTO outbox (incident_id, kind, payload, state, attempts, not_before, created_at) VALUES"
                    " (7, 'post', '{}', 'pending', 0, :now, :now), (NULL, 'post', '{}', 'pending', 0, :now, :now)"
                ),
                {"now": "2026-11-20 10:00:00+00:00"},
            )
        await migrate.upgrade(database)
        async with database.engine.connect() as connection:
            lanes = (await connection.execute(text("SELECT incident_id, lane FROM outbox ORDER BY id"))).all()
            origin = (await connection.execute(text("SELECT origin, is_storm FROM incidents"))).one()
        assert [tuple(row) for row in lanes] == [(7, "incident:7"), (None, None)]
        assert tuple(origin) == ("slack", False)
    finally:
        await database.dispose()


async def test_alerts_stored_before_links_existed_still_show_their_runbook_and_source(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(database, revision="0008")
        now = {"now": "2026-11-20 10:00:00+00:00"}
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO alert_groups (id, source, group_key, channel, created_at, updated_at)"
                    " VALUES (1, 'alertmanager', 'g', '#alerts', :now, :now)"
                ),
                now,
            )
            await connection.execute(
                text(
                    "INSERT INTO alerts (source, fingerprint, status, labels, annotations, summary, description,"
                    " runbook_url, severity, starts_at, generator_url, group_id, fired_count, first_received_at,"
                    " last_received_at, changed_at) VALUES ('alertmanager', 'f1', 'firing',"
                    " '{\"alertname\": \"DiskFull\", \"instance\": \"db-1\"}', '{}', 'Disk full', '',"
                    " 'https://runbooks.example.org/disk', 'critical', :now, 'http://prometheus.example.org/g',"
                    " 1, 1, :now, :now, :now)"
                ),
                now,
            )
        await migrate.upgrade(database)
        async with database.transaction() as session:
            [alert] = (await session.exec(select(Alert))).all()
        shown = facts(alert)
        assert (alert.links, shown.name, shown.label_text()) == ({}, "DiskFull", "instance=db-1")
        assert [link.label for link in shown.links] == ["Runbook", "Source"]
    finally:
        await database.dispose()

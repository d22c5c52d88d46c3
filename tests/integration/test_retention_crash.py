"""A replica killed in the middle of retention leaves nothing half-deleted, on each database: the batch it was in
is undone whole (an alert group never loses some of its alerts, nor its alerts their group), and the next
leader's retention finishes the job."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertIn, AlertStatus
from bot.config.schema import OncallConfig, parse_config
from bot.errors import StoreUnavailable
from bot.retention.service import Retention
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.queries import retention as queries
from storage.tables import Alert, AlertGroup
from storage.types import running_on
from tests.integration.retention_child import BATCH
from tests.integration.retention_seed import DAY, NOW

GROUPS, ALERTS_PER_GROUP = 200, 3
ROOT = Path(__file__).resolve().parents[2]


def _alert(group: int, number: int, status: AlertStatus) -> AlertIn:
    started = NOW - 60 * DAY
    return AlertIn(
        source="alertmanager",
        fingerprint=f"g{group}-a{number}",
        status=status,
        labels={"alertname": f"Slow{group}", "instance": f"host-{number}", "severity": "warning"},
        annotations={},
        summary=f"Slow{group} on host-{number}",
        severity="warning",
        starts_at=started,
        ends_at=started + DAY if status is AlertStatus.RESOLVED else None,
        group_key=f"g{group}",
    )


async def seed_groups(database: Database) -> None:
    """Groups of three alerts each, fired and resolved two months ago: all of them past the 30-day horizon."""
    ingestion = AlertIngestion(OncallConfig())
    begin = unit_of_work(database)
    for status, at in ((AlertStatus.FIRING, NOW - 60 * DAY), (AlertStatus.RESOLVED, NOW - 59 * DAY)):
        delivery = [_alert(g, n, status) for g in range(GROUPS) for n in range(ALERTS_PER_GROUP)]
        with running_on(lambda at=at: at):  # type: ignore[misc]
            await ingestion.receive(begin, delivery)


async def group_sizes(database: Database) -> tuple[int, dict[int, int], int]:
    """Groups left, alerts per group left, and alerts whose group is gone."""
    async with database.reading() as session:
        groups = int((await session.exec(select(func.count()).select_from(AlertGroup))).one())
        query = select(Alert.group_id, func.count()).group_by(col(Alert.group_id))
        sizes = {group_id: int(size) for group_id, size in (await session.exec(query)).all()}
        kept = set((await session.exec(select(AlertGroup.id))).all())
    return groups, sizes, sum(size for group_id, size in sizes.items() if group_id not in kept)


async def test_a_replica_sigkilled_inside_and_between_batches_leaves_no_half_deleted_group(database_url: str) -> None:
    database = Database(database_url)
    try:
        await seed_groups(database)
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        for kills in range(3):  # three replicas in turn, each killed as a batch is under way
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "tests/integration/retention_child.py"),
                database_url,
                stdout=asyncio.subprocess.PIPE,
                env=environment,
            )
            assert child.stdout is not None
            for _ in range(2 + kills):  # a few batches committed, then one killed half-way
                await asyncio.wait_for(child.stdout.readline(), timeout=30)
            child.send_signal(signal.SIGKILL)
            await child.wait()
            groups, sizes, orphans = await group_sizes(database)
            assert orphans == 0
            assert set(sizes.values()) == {ALERTS_PER_GROUP}  # no group lost some of its alerts
            assert len(sizes) == groups and 0 < groups < GROUPS and (GROUPS - groups) % BATCH == 0  # whole batches

        config = parse_config(f"retention:\n  batch_size: {BATCH}\n").retention
        await Retention(config, unit_of_work(database)).run_all(NOW)  # the next leader finishes the job
        assert await group_sizes(database) == (0, {}, 0)
    finally:
        await database.dispose()


async def test_a_connection_lost_inside_a_batch_undoes_the_whole_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("a server connection to lose: SQLite's side of this is the SIGKILL test")
    await seed_groups(database)

    async def lost(session: AsyncSession, *args: object) -> int:
        # The alerts and groups of the batch are deleted; the connection goes before the commit.
        await session.exec(text("SELECT pg_terminate_backend(pg_backend_pid())"))  # type: ignore[call-overload]
        return 0

    monkeypatch.setattr(queries, "_delete_empty_rollups", lost)
    config = parse_config(f"retention:\n  batch_size: {BATCH}\n").retention
    with pytest.raises(StoreUnavailable):
        await Retention(config, unit_of_work(database)).tick(NOW)

    assert await group_sizes(database) == (GROUPS, dict.fromkeys(range(1, GROUPS + 1), ALERTS_PER_GROUP), 0)

"""Maintenance windows' rows: a scheduled occurrence is started once, and the tick finds windows past their end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.engine import Database
from storage.enums import MaintenanceState
from storage.queries import maintenance
from storage.tables import MaintenanceWindow

STARTS = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
MATCHERS = [{"name": "team", "value": "db", "isRegex": False, "isEqual": True}]


def occurrence() -> dict[str, object]:
    return {
        "name": "nightly-db",
        "matchers": MATCHERS,
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=1),
        "reason": "backups",
        "mirror_silence": False,
        "state": MaintenanceState.ACTIVE,
        "created_at": STARTS,
    }


async def test_an_occurrence_is_started_once_whoever_ticks(database: Database) -> None:
    async with database.transaction() as session:
        first = await maintenance.add_occurrence(session, occurrence())
    async with database.transaction() as session:
        again = await maintenance.add_occurrence(session, occurrence())
    assert first is not None and first.name == "nightly-db"
    assert again is None


async def test_active_windows_hold_until_their_end_and_then_are_due(database: Database) -> None:
    async with database.transaction() as session:
        window = await maintenance.add(
            session,
            MaintenanceWindow(
                name="adhoc-U1", matchers=MATCHERS, starts_at=STARTS, ends_at=STARTS + timedelta(minutes=5)
            ),
        )
    async with database.reading() as session:
        during = await maintenance.active(session, now=STARTS + timedelta(minutes=1))
        due_during = await maintenance.due_to_end(session, now=STARTS + timedelta(minutes=1))
        due_after = await maintenance.due_to_end(session, now=STARTS + timedelta(minutes=5))
    assert [one.id for one in during] == [window.id]
    assert due_during == []
    assert due_after == [window.id]

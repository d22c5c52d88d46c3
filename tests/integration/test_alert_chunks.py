"""A large delivery is stored in chunks, each its own transaction, and decides as one delivery would.

The chunk size is made small here so that a handful of alerts spans several transactions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.alerts.ingest import AlertIngestion, IngestResult
from bot.alerts.models import AlertIn, AlertStatus
from bot.config.schema import parse_config
from bot.errors import StoreUnavailable
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.tables import Alert, AlertGroup, Incident, OutboxEntry, TimelineEntry

CONFIG = """
storm:
  max_new_incidents_per_minute: 2
  max_alert_posts_per_minute: 2
"""
STARTED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def alert(name: str, severity: str, *, instance: str = "host-1", fingerprint: str | None = None) -> AlertIn:
    return AlertIn(
        source="alertmanager",
        fingerprint=fingerprint or f"{name}-{instance}",
        status=AlertStatus.FIRING,
        labels={"alertname": name, "severity": severity, "instance": instance},
        annotations={},
        summary=f"{name} on {instance}",
        severity=severity,
        runbook_url=f"https://runbooks.example.org/{name.lower()}",
        starts_at=STARTED,
    )


# In the order a sender might list them: the critical Disk alert, which opens Disk's incident, comes last,
# and the errors (SEV3), listed before it, find the two incidents a minute allows already opened.
DELIVERY = [
    *(alert("Disk", "warning", instance=f"host-{number}") for number in range(1, 4)),
    alert("Cpu", "critical"),
    alert("Mem", "error"),
    alert("Net", "error"),
    *(alert(f"Slow{number}", "warning") for number in range(1, 5)),
    alert("Disk", "critical", instance="host-4"),
]


async def deliver(database: Database, alerts: list[AlertIn], *, chunk_alerts: int) -> IngestResult:
    ingestion = AlertIngestion(parse_config(CONFIG), chunk_alerts=chunk_alerts)
    return await ingestion.receive(unit_of_work(database), alerts)


async def outcome(database: Database) -> dict[str, Any]:
    """What a delivery left behind, by name: comparable whatever ids the rows got."""
    async with database.reading() as session:
        incidents = {incident.id: incident for incident in (await session.exec(select(Incident))).all()}
        alerts = (await session.exec(select(Alert))).all()
        groups = (await session.exec(select(AlertGroup))).all()
        entries = (await session.exec(select(OutboxEntry))).all()
        timeline = (await session.exec(select(TimelineEntry))).all()
    return {
        "incidents": sorted((incident.title, incident.is_storm) for incident in incidents.values()),
        "alerts": sorted(
            (alert.fingerprint, incidents[alert.incident_id].title if alert.incident_id else None) for alert in alerts
        ),
        "posted": sorted(group.group_key for group in groups if group.posted_at is not None),
        "rolled up": sorted(group.group_key for group in groups if group.rollup_id is not None),
        "effects": Counter(entry.kind for entry in entries),
        "timeline": Counter(entry.kind for entry in timeline),
    }


STORM = "Alert storm: more than 2 incidents within a minute"
AS_ONE_DELIVERY = {
    "incidents": [(STORM, True), ("Cpu on host-1", False), ("Disk on host-4", False)],
    "alerts": [
        ("Cpu-host-1", "Cpu on host-1"),
        *((f"Disk-host-{number}", "Disk on host-4") for number in range(1, 5)),
        ("Mem-host-1", STORM),
        ("Net-host-1", STORM),
        *((f"Slow{number}-host-1", None) for number in range(1, 5)),
    ],
    "posted": ["alertname=Slow1", "alertname=Slow2"],
    "rolled up": ["alertname=Slow3", "alertname=Slow4"],
}


@pytest.mark.parametrize("chunk_alerts", [1000, 3, 1])
async def test_chunks_decide_as_one_delivery_would(database: Database, chunk_alerts: int) -> None:
    result = await deliver(database, DELIVERY, chunk_alerts=chunk_alerts)

    assert (result.accepted, result.changed, len(result.opened)) == (len(DELIVERY), len(DELIVERY), 3)
    stored = await outcome(database)
    assert {key: stored[key] for key in AS_ONE_DELIVERY} == AS_ONE_DELIVERY
    # One bookmark per runbook of each ordinary incident, one alert-list redraw per incident.
    assert stored["effects"]["add_bookmark"] == 2
    assert stored["effects"]["sync_alerts"] == 3
    assert stored["effects"]["sync_alert_rollup"] == 1
    assert stored["timeline"]["alert_fired"] == 7


@asynccontextmanager
async def inserts_refused(database: Database, fingerprint: str) -> AsyncIterator[None]:
    """The database refuses to store one alert, as a full disk would, until the block ends."""
    if database.dialect == "sqlite":
        create = [
            f"CREATE TRIGGER refuse_alert BEFORE INSERT ON alerts WHEN NEW.fingerprint = '{fingerprint}'"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        ]
        drop = ["DROP TRIGGER refuse_alert"]
    else:
        create = [
            "CREATE FUNCTION refuse_alert() RETURNS trigger AS $$ BEGIN"
            f" IF NEW.fingerprint = '{fingerprint}' THEN RAISE EXCEPTION 'could not extend file: No space left';"
            " END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_alert BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION refuse_alert()",
        ]
        drop = ["DROP TRIGGER refuse_alert ON alerts", "DROP FUNCTION refuse_alert()"]
    async with database.transaction() as session:
        for statement in create:
            await session.exec(text(statement))  # type: ignore[call-overload]
    try:
        yield
    finally:
        async with database.transaction() as session:
            for statement in drop:
                await session.exec(text(statement))  # type: ignore[call-overload]


async def test_a_delivery_that_failed_half_way_is_retried_and_changes_nothing_twice(database: Database) -> None:
    # The failing alert is a warning: the critical ones, and the incidents they open, come first.
    failing = alert("Slow3", "warning")
    async with inserts_refused(database, failing.fingerprint):
        with pytest.raises(StoreUnavailable, match="the database's disk is full"):
            await deliver(database, DELIVERY, chunk_alerts=3)
        half_way = await outcome(database)
    assert half_way["incidents"] == AS_ONE_DELIVERY["incidents"]
    assert ("Slow3-host-1", None) not in half_way["alerts"]

    result = await deliver(database, DELIVERY, chunk_alerts=3)

    assert result.opened == []  # opened by the first attempt, whose chunks were committed
    stored = await outcome(database)
    assert {key: stored[key] for key in AS_ONE_DELIVERY} == AS_ONE_DELIVERY
    assert stored["effects"]["create_channel"] == 3
    assert stored["effects"]["add_bookmark"] == 2
    assert stored["timeline"]["alert_fired"] == 7
    assert stored["timeline"]["declared"] == 3


def resolution(firing: AlertIn) -> AlertIn:
    return firing.model_copy(update={"status": AlertStatus.RESOLVED, "ends_at": STARTED.replace(hour=10)})


async def all_clears(database: Database) -> list[str]:
    async with database.reading() as session:
        posts = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "post"))).all()
    return [entry.payload["text"] for entry in posts if "resolved" in entry.payload["text"]]


async def test_an_incident_whose_alerts_resolve_across_chunks_gets_one_all_clear(database: Database) -> None:
    await deliver(database, DELIVERY, chunk_alerts=1000)
    disk = [item for item in DELIVERY if item.labels["alertname"] == "Disk"]

    await deliver(database, [resolution(item) for item in disk], chunk_alerts=1)

    [all_clear] = await all_clears(database)
    assert all_clear.startswith(":white_check_mark: All 4 alerts of INC-")


async def test_no_all_clear_when_a_later_alert_of_the_delivery_fires_in_the_incident(database: Database) -> None:
    await deliver(database, DELIVERY, chunk_alerts=1000)
    disk = [item for item in DELIVERY if item.labels["alertname"] == "Disk"]

    # The new firing is listed last, after the four resolutions, and lands in a later chunk of its own.
    await deliver(
        database, [*(resolution(item) for item in disk), alert("Disk", "warning", instance="host-5")], chunk_alerts=1
    )

    assert await all_clears(database) == []

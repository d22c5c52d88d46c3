"""Deliveries that arrive together are stored together (a group commit): each decides as it would alone,
each sender is answered once its own alerts are committed, and one delivery that cannot be stored fails alone."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import select

from bot.alerts.ingest import AlertIngestion
from bot.config.schema import parse_config
from bot.errors import StoreUnavailable
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.tables import Alert, AlertGroup, OutboxEntry
from tests.integration.test_alert_chunks import CONFIG, alert, inserts_refused, outcome
from tests.integration.test_timeline_group_commit import counting


async def test_deliveries_that_arrive_together_share_transactions_and_each_is_stored(database: Database) -> None:
    begin, transactions = counting(unit_of_work(database))
    ingestion = AlertIngestion(parse_config(CONFIG))
    deliveries = [[alert(f"Slow{n}", "warning", instance=f"host-{i}") for i in range(3)] for n in range(40)]

    results = await asyncio.gather(*(ingestion.receive(begin, delivery) for delivery in deliveries))

    assert [(result.accepted, result.changed) for result in results] == [(3, 3)] * 40
    assert len(transactions) < 20  # not one per delivery: 40 arrived together
    async with database.reading() as session:
        assert len((await session.exec(select(Alert))).all()) == 120
        assert len((await session.exec(select(AlertGroup))).all()) == 40
    stored = await outcome(database)
    # The storm rollup decides as it would one delivery at a time: two group messages a minute, the rest rolled up.
    assert (len(stored["posted"]), len(stored["rolled up"])) == (2, 38)
    assert stored["effects"]["sync_alert_rollup"] == 1


async def test_a_runbook_two_deliveries_bring_at_once_is_bookmarked_once(database: Database) -> None:
    ingestion = AlertIngestion(parse_config(CONFIG))
    begin = unit_of_work(database)
    [opened] = (await ingestion.receive(begin, [alert("Cpu", "critical")])).opened
    runbook = "https://runbooks.example.org/cpu-steal"
    both = [
        alert("Cpu", "critical", instance=instance).model_copy(update={"runbook_url": runbook})
        for instance in ("host-2", "host-3")
    ]

    results = await asyncio.gather(*(ingestion.receive(begin, [item]) for item in both))

    assert [result.joined for result in results] == [{opened}, {opened}]
    async with database.reading() as session:
        entries = (await session.exec(select(OutboxEntry).where(OutboxEntry.kind == "add_bookmark"))).all()
    assert Counter(entry.payload["link"] for entry in entries)[runbook] == 1


async def test_one_delivery_the_database_refuses_fails_alone(database: Database) -> None:
    ingestion = AlertIngestion(parse_config(CONFIG))
    begin = unit_of_work(database)
    deliveries = [[alert(f"Slow{n}", "warning")] for n in range(8)]

    async with inserts_refused(database, deliveries[3][0].fingerprint):
        results = await asyncio.gather(
            *(ingestion.receive(begin, delivery) for delivery in deliveries), return_exceptions=True
        )

    assert [n for n, result in enumerate(results) if isinstance(result, Exception)] == [3]
    assert isinstance(results[3], StoreUnavailable)
    stored = await outcome(database)
    assert sorted(fingerprint for fingerprint, _ in stored["alerts"]) == sorted(
        f"Slow{n}-host-1" for n in range(8) if n != 3
    )
    # The others were retried alone after the shared transaction failed: the rollup counted each group once.
    assert len(stored["posted"]) + len(stored["rolled up"]) == 7

    retried = await ingestion.receive(begin, deliveries[3])  # the sender retries, and now it is stored
    assert retried.changed == 1

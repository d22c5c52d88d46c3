"""Retention on each database: a database with months of history shrinks to the horizons, and keeps what an
incident, a digest, an SLO chart or a burn alert needs."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.alerts.ingest import AlertIngestion
from bot.config.retention import RetentionConfig
from bot.config.schema import OncallConfig, parse_config
from bot.observability.metrics import Metrics
from bot.retention.service import Retention
from bot.slo.digest import DigestRenderer
from bot.slo.evaluation import SloEvaluator
from bot.slo.history import budget_series, latest_reports
from bot.slo.models import SloDefinition
from bot.unit_of_work import unit_of_work
from handlers.jobs.runner import Scheduler
from storage.engine import Database
from storage.queries import slos as slo_queries
from storage.tables import (
    Alert,
    AlertGroup,
    AlertRollup,
    Incident,
    ProcessedEvent,
    SloDigestRun,
    SloEvaluation,
    SloEvent,
)
from tests.integration import retention_seed as seed
from tests.integration.retention_seed import DAY, NOW, SLO

# Small batches, so that the year's backlog takes many of them, each its own transaction.
CONFIG = parse_config("retention:\n  batch_size: 50\n  batches_per_tick: 4\n").retention


def retention(
    database: Database, config: RetentionConfig = CONFIG, slos: list[SloDefinition] | None = None
) -> Retention:
    return Retention(config, unit_of_work(database), [SLO] if slos is None else slos)


def buckets(times: list[object], size: str) -> set[object]:
    return {f"{at:%Y-%m-%d %H}" if size == "hour" else f"{at:%Y-%m-%d}" for at in times}


async def test_a_database_with_months_of_history_shrinks_to_the_configured_horizons(database: Database) -> None:
    await seed.replay_claims(database, "old", 120, at=NOW - 3 * DAY)
    await seed.replay_claims(database, "new", 5, at=NOW - timedelta(hours=1))
    old = NOW - 60 * DAY
    await seed.alert_group(database, "DiskFull", at=old, severity="critical", resolved=old + DAY)  # an incident's
    for number in range(60):  # a storm's worth: most of them are lines of one rollup message
        await seed.alert_group(database, f"Slow{number}", at=old + timedelta(minutes=number), resolved=old + DAY)
    await seed.alert_group(database, "StillFiring", at=old)
    await seed.mark_outbox_done(database, at=old + DAY)
    await seed.alert_group(database, "Recent", at=NOW - 10 * DAY, resolved=NOW - 9 * DAY)
    recent_outbox = await seed.mark_outbox_done(database, at=NOW - DAY)
    await seed.evaluations(database)
    for at in (NOW - 40 * DAY, NOW - 20 * DAY, NOW - timedelta(minutes=30)):
        await seed.push(database, at, 99, 100)
    spent, live = await seed.spent_and_live_reminders(database, closed_at=NOW - 40 * DAY)
    async with database.reading() as session:
        seeded = (await session.exec(select(SloEvaluation.at))).all()
    before = await seed.counts(database)

    deleted = await retention(database).run_all(NOW)

    after = await seed.counts(database)
    assert after["processed_events"] == 5
    assert after["outbox"] == recent_outbox
    async with database.reading() as session:
        groups = {group.group_key: group for group in (await session.exec(select(AlertGroup))).all()}
        alerts = (await session.exec(select(Alert.fingerprint))).all()
        rollups = (await session.exec(select(AlertRollup.id))).all()
    assert sorted(alerts) == ["DiskFull", "Recent", "StillFiring"]
    assert len(groups) == 3 and {group.incident_id is not None for group in groups.values()} == {True, False}
    assert {group.rollup_id for group in groups.values()} >= set(rollups)  # an emptied rollup went with its groups
    assert deleted.rows["alert_groups"] == 60 and deleted.rows["alerts"] == 60
    # Evaluations: every one of the last week, one an hour back to 90 days, one a day before that.
    hourly_from, daily_from = (NOW - 7 * DAY).replace(minute=0), (NOW - 90 * DAY).replace(hour=0, minute=0)
    expected = (
        len([at for at in seeded if at >= hourly_from])
        + len(buckets([at for at in seeded if daily_from <= at < hourly_from], "hour"))
        + len(buckets([at for at in seeded if at < daily_from], "day"))
    )
    assert after["slo_evaluations"] == expected < before["slo_evaluations"] / 2
    async with database.reading() as session:
        pushed = (await session.exec(select(SloEvent.at).order_by(col(SloEvent.at)))).all()
    assert pushed == [NOW - 20 * DAY, NOW - timedelta(minutes=30)]  # older than the 28d window and a day: gone
    assert (before["reminders"] - after["reminders"], after["reminders"]) == (spent, live)
    for kept in ("incidents", "timeline_entries", "follow_ups"):
        assert after[kept] == before[kept]
    # What it says it deleted is what went (counts() leaves the rollups out).
    assert deleted.total - deleted.rows.get("alert_rollups", 0) == sum(before.values()) - sum(after.values())


async def test_a_horizon_turned_off_keeps_its_rows_and_one_tick_does_a_bounded_share(database: Database) -> None:
    await seed.replay_claims(database, "old", 120, at=NOW - 3 * DAY)
    await seed.alert_group(database, "Slow", at=NOW - 60 * DAY, resolved=NOW - 59 * DAY)
    off = parse_config("retention:\n  alerts: off\n  batch_size: 50\n  batches_per_tick: 2\n").retention
    job = retention(database, off)

    first = await job.tick(NOW)

    # Two batches a tick, the kinds in turn (those that found nothing rest): 50, then 50, then the last 20.
    assert first.rows == {"processed_events": 50} and not first.finished
    assert (await job.tick(NOW)).rows == {"processed_events": 50}
    assert (await job.tick(NOW)).rows == {"processed_events": 20}
    assert await seed.count(database, ProcessedEvent) == 0
    assert await seed.count(database, AlertGroup) == 1 and await seed.count(database, Alert) == 1


async def test_digests_charts_and_burn_alerts_keep_what_they_read(database: Database) -> None:
    search = SloDefinition.model_validate(
        {"name": "search", "service": "search", "objective": "99%", "window": "7d", "source": {"type": "events"}}
    )
    # Search was last evaluated ten days ago, mid-burn, then lost its data: its latest rows stay as they were.
    stopped = NOW - 10 * DAY
    burning = seed._evaluation(stopped, fast_burn=True, fast_burn_since=stopped - timedelta(hours=1))
    burning.slo, burning.service = search.name, search.service
    no_data = [seed._evaluation(stopped + timedelta(minutes=m), data=False) for m in (10, 20)]
    for row in no_data:
        row.slo, row.service = search.name, search.service
    await seed.evaluations(database, extra=[burning, *no_data])
    await seed.push(database, NOW - 2 * DAY, 10_000, 10_000)
    await seed.push(database, NOW - timedelta(minutes=2), 700, 1_000)  # a fast burn right now
    definitions = [SLO, search]
    renderer = DigestRenderer(database, definitions, zone=ZoneInfo("Europe/Madrid"))
    digest_before = await renderer.compose(NOW - 7 * DAY, NOW)
    async with database.reading() as session:
        reports_before = await latest_reports(session=session, definitions=definitions, now=NOW)
        with_data_before = await slo_queries.latest_evaluation(session, search.name, with_data=True)

    await retention(database, slos=definitions).run_all(NOW)

    async with database.reading() as session:
        reports_after = await latest_reports(session=session, definitions=definitions, now=NOW)
        with_data_after = await slo_queries.latest_evaluation(session, search.name, with_data=True)
        series = await budget_series(session=session, definition=SLO, until=NOW)
    assert reports_after == reports_before
    assert with_data_before is not None and with_data_after is not None and with_data_after.id == with_data_before.id
    # The chart over the 28-day window: a point at least every hour, every half hour in the last week.
    times = [point.at for point in series.points]
    assert times[0] - (NOW - SLO.span) <= timedelta(hours=1)
    assert max(later - earlier for earlier, later in itertools.pairwise(times)) <= timedelta(hours=1)
    digest = await renderer.compose(NOW - 7 * DAY, NOW)
    assert digest == digest_before and set(digest.last_week) == {SLO.name, search.name}  # "a week ago" still there
    chart = await renderer.chart(SloDigestRun(channel="#slo", start=NOW - 7 * DAY, end=NOW))
    assert chart.startswith(b"\x89PNG")
    # The burn rate is computed from the pushed events retention kept, and the burn alert fires.
    evaluator = SloEvaluator(
        [SLO], database=database, begin=unit_of_work(database), ingestion=AlertIngestion(OncallConfig())
    )
    [assessed] = await evaluator.assess(at=NOW)
    assert assessed.alert is not None and assessed.evaluation.fast_burn
    assert (assessed.evaluation.burn_rates["5m"] or 0) > 14.4


async def test_an_incident_keeps_every_alert_however_old(database: Database) -> None:
    old = NOW - 300 * DAY
    await seed.alert_group(database, "DiskFull", at=old, severity="critical", resolved=old + DAY)
    async with database.transaction() as session:
        [incident] = (await session.exec(select(Incident))).all()
        incident.status, incident.closed_at = "closed", old + 2 * DAY  # type: ignore[assignment]

    await retention(database).run_all(NOW.astimezone(UTC))

    assert await seed.count(database, Alert) == 1 and await seed.count(database, AlertGroup) == 1


async def test_the_leaders_tick_deletes_a_bounded_share_and_counts_it(database: Database) -> None:
    await seed.replay_claims(database, "old", 120, at=NOW - 3 * DAY)
    config = parse_config("retention:\n  batch_size: 50\n  batches_per_tick: 2\n")
    metrics = Metrics(open_incidents=lambda session: _no_incidents())
    # Built off the loop, as the app builds it before serving (its parts read zone files); never started: the
    # test is the clock that ticks.
    scheduler = await asyncio.to_thread(Scheduler, database, unit_of_work(database), config, metrics=metrics)
    first = await scheduler.tick_retention(NOW)
    for _ in range(3):
        await scheduler.tick_retention(NOW)

    assert first.rows == {"processed_events": 50}  # two batches a tick: one of them found no outbox entry
    assert await seed.count(database, ProcessedEvent) == 0
    counted = metrics.retention_deleted.labels("processed_events")._value.get()
    assert counted == 120


async def _no_incidents() -> dict[str, int]:
    return {}

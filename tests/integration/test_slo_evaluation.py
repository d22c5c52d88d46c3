"""SLOs evaluated from stored data on each database: pushed events, incidents, history and burn alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.alerts.ingest import AlertIngestion
from bot.config.schema import OncallConfig
from bot.incidents.models import Severity
from bot.slo import events
from bot.slo.evaluation import SloEvaluator
from bot.slo.history import latest_reports
from bot.slo.models import SloDefinition, SloStatus
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.enums import Status
from storage.tables import Alert, Incident, SloEvaluation

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def events_slo(**overrides: Any) -> SloDefinition:
    values: dict[str, Any] = {
        "name": "checkout-requests",
        "service": "checkout",
        "objective": "99%",
        "window": "1d",
        "source": {"type": "events"},
    }
    return SloDefinition.model_validate({**values, **overrides})


async def push(database: Database, definition: SloDefinition, at: datetime, good: int, total: int) -> None:
    async with database.transaction() as session:
        await events.record(
            session=session,
            definition=definition,
            events=events.EventsIn(good=good, total=total, at=at),
            now=max(at, NOW),
        )


async def test_events_count_from_just_after_the_window_start_up_to_now(database: Database) -> None:
    definition = events_slo()
    await push(database, definition, NOW - timedelta(days=1), 0, 1_000)  # exactly at the start: outside
    await push(database, definition, NOW - timedelta(hours=23, minutes=59), 990, 1_000)
    await push(database, definition, NOW, 10, 10)  # exactly now: inside
    evaluator = SloEvaluator([definition], database=database, begin=unit_of_work(database))

    [report] = await evaluator.evaluate_and_store(at=NOW)

    assert report.attainment == pytest.approx(1_000 / 1_010)
    # 1 − (1 − 1000/1010) / 0.01 = 1 − 0.990099… = 0.0099…: nearly all of the budget is spent
    assert report.budget_remaining == pytest.approx(1 - (10 / 1_010) / 0.01)
    assert report.status is SloStatus.AT_RISK
    async with database.transaction() as session:
        stored = (await session.exec(select(SloEvaluation))).all()
    assert [(row.slo, row.good, row.total, row.status) for row in stored] == [
        ("checkout-requests", 1_000, 1_010, "AT_RISK")
    ]


async def test_an_slo_without_traffic_is_stored_as_no_data_with_the_reason(database: Database) -> None:
    evaluator = SloEvaluator([events_slo()], database=database, begin=unit_of_work(database))

    [report] = await evaluator.evaluate_and_store(at=NOW)

    assert report.status is SloStatus.NO_DATA
    assert report.error == "no traffic in the window"
    assert report.attainment is None


async def test_the_trend_reads_last_weeks_stored_evaluation_not_a_recomputation(database: Database) -> None:
    definition = events_slo(window="28d")
    evaluator = SloEvaluator([definition], database=database, begin=unit_of_work(database))
    week_ago = NOW - timedelta(days=7)
    await push(database, definition, week_ago - timedelta(hours=1), 999, 1_000)
    await evaluator.evaluate_and_store(at=week_ago)
    await push(database, definition, NOW - timedelta(hours=1), 900, 1_000)  # a bad week since
    await evaluator.evaluate_and_store(at=NOW)

    async with database.transaction() as session:
        [then] = await latest_reports(
            session=session, definitions=[definition], now=NOW, at_or_before=NOW - timedelta(days=7)
        )
        [now] = await latest_reports(session=session, definitions=[definition], now=NOW)

    assert then.attainment == pytest.approx(0.999)
    assert then.status is SloStatus.PASS
    assert now.attainment == pytest.approx(1_899 / 2_000)
    assert now.status is SloStatus.FAIL


async def test_impact_of_the_services_sev1_and_sev2_incidents_is_its_downtime(database: Database) -> None:
    definition = SloDefinition.model_validate(
        {
            "name": "checkout-uptime",
            "service": "checkout",
            "objective": "99%",
            "window": "1d",
            "source": {"type": "incidents"},
        }
    )
    async with database.transaction() as session:
        session.add_all(
            [
                # 6 minutes of customer impact, then mitigated
                _incident("checkout", Severity.SEV1, NOW - timedelta(hours=3), mitigated=NOW - timedelta(minutes=174)),
                # a SEV3 does not count, nor does another service's SEV1
                _incident("checkout", Severity.SEV3, NOW - timedelta(hours=2), mitigated=NOW - timedelta(hours=1)),
                _incident("search", Severity.SEV1, NOW - timedelta(hours=2), mitigated=NOW - timedelta(hours=1)),
                # still open: impacting until now, 8 minutes and 38 seconds so far
                _incident("checkout", Severity.SEV2, NOW - timedelta(minutes=8, seconds=38), mitigated=None),
            ]
        )
    evaluator = SloEvaluator([definition], database=database, begin=unit_of_work(database))

    [report] = await evaluator.evaluate_and_store(at=NOW)

    down = 6 * 60 + 8 * 60 + 38
    assert report.attainment == pytest.approx(1 - down / 86_400)
    assert report.burn_rates["1h"] == pytest.approx((518 / 3_600) / 0.01)
    # A 99 % day allows 864 s of impact; 878 s overspends it
    assert report.budget_remaining == pytest.approx(1 - (down / 86_400) / 0.01)
    assert report.status is SloStatus.FAIL


def _incident(
    service: str, severity: Severity, began: datetime, *, mitigated: datetime | None, origin: str = "slack"
) -> Incident:
    return Incident(
        origin=origin,
        title=f"{service} trouble",
        severity=severity,
        status=Status.MONITORING if mitigated else Status.INVESTIGATING,
        declared_by="U1",
        declared_at=began,
        detected_at=began,
        mitigated_at=mitigated,
        service=service,
    )


async def test_a_fast_burn_opens_an_incident_through_alert_routing_and_ends_when_it_stops(database: Database) -> None:
    definition = events_slo(objective="99.9%", window="28d")
    begin = unit_of_work(database)
    evaluator = SloEvaluator([definition], database=database, begin=begin, ingestion=AlertIngestion(OncallConfig()))
    await push(database, definition, NOW - timedelta(days=3), 1_000_000, 1_000_000)
    await push(database, definition, NOW - timedelta(minutes=2), 800, 1_000)  # 20 % errors right now

    [report] = await evaluator.evaluate_and_store(at=NOW)

    assert report.fast_burn and report.status is SloStatus.AT_RISK
    async with database.transaction() as session:
        [alert] = (await session.exec(select(Alert))).all()
        [incident] = (await session.exec(select(Incident))).all()
    assert (alert.source, alert.status, alert.labels["severity"]) == ("slo", "firing", "critical")
    assert alert.starts_at == NOW
    assert incident.service == "checkout" and incident.severity == "SEV2"
    assert "checkout-requests" in incident.title

    # Forty minutes later the burst is over: the 5- and 30-minute windows are clean, so the alert resolves.
    later = NOW + timedelta(minutes=40)
    await push(database, definition, later - timedelta(minutes=1), 1_000, 1_000)
    [report] = await evaluator.evaluate_and_store(at=later)

    assert not report.fast_burn
    async with database.transaction() as session:
        [alert] = (await session.exec(select(Alert))).all()
    assert alert.status == "resolved"
    assert alert.starts_at == NOW  # the same burn, not a new one


async def test_a_source_outage_neither_starts_nor_ends_a_burn(database: Database) -> None:
    definition = events_slo(objective="99.9%", window="28d")
    evaluator = SloEvaluator(
        [definition], database=database, begin=unit_of_work(database), ingestion=AlertIngestion(OncallConfig())
    )
    await push(database, definition, NOW - timedelta(minutes=2), 800, 1_000)
    await evaluator.evaluate_and_store(at=NOW)
    # A day later, no events at all for the last day: the 28d window still has data, the short ones none.
    [report] = await evaluator.evaluate_and_store(at=NOW + timedelta(minutes=1))

    async with database.transaction() as session:
        [alert] = (await session.exec(select(Alert))).all()
    assert report.fast_burn  # the 1h and 5m windows still hold the burst
    assert alert.status == "firing"


async def test_an_incident_opened_by_an_slos_own_burn_is_not_impact_on_it(database: Database) -> None:
    definition = SloDefinition.model_validate(
        {"name": "checkout-uptime", "service": "checkout", "objective": "99.5%", "source": {"type": "incidents"}}
    )
    evaluator = SloEvaluator(
        [definition], database=database, begin=unit_of_work(database), ingestion=AlertIngestion(OncallConfig())
    )
    outage = _incident("checkout", Severity.SEV1, NOW - timedelta(minutes=30), mitigated=None)
    async with database.transaction() as session:
        session.add(outage)

    [report] = await evaluator.evaluate_and_store(at=NOW)

    assert report.fast_burn
    async with database.transaction() as session:
        burn = (await session.exec(select(Incident).where(Incident.origin == "slo"))).one()
        assert (burn.service, burn.severity, burn.status) == ("checkout", "SEV2", "investigating")
        (await session.get_one(Incident, outage.id)).mitigated_at = NOW + timedelta(minutes=1)

    # The outage was mitigated a minute later; the burn's own incident is still open, and does not count.
    [report] = await evaluator.evaluate_and_store(at=NOW + timedelta(minutes=40))

    assert not report.fast_burn
    assert report.attainment == pytest.approx(1 - 31 * 60 / (28 * 86_400))
    async with database.transaction() as session:
        [alert] = (await session.exec(select(Alert))).all()
    assert alert.status == "resolved"

    # Someone resolves the burn's incident; a second outage burns again and opens a second one.
    async with database.transaction() as session:
        first = await session.get_one(Incident, burn.id)
        first.status, first.resolved_at = Status.RESOLVED, NOW + timedelta(hours=1)
        session.add(_incident("checkout", Severity.SEV1, NOW + timedelta(hours=2), mitigated=None))
    await evaluator.evaluate_and_store(at=NOW + timedelta(hours=2, minutes=30))
    [report] = await evaluator.evaluate_and_store(at=NOW + timedelta(hours=3))

    async with database.transaction() as session:
        burns = (await session.exec(select(Incident).where(Incident.origin == "slo"))).all()
    assert len(burns) == 2
    # Two outages (31 and 60 minutes so far); neither burn's incident, the old one included.
    assert report.attainment == pytest.approx(1 - 91 * 60 / (28 * 86_400))


async def test_an_incident_another_slos_burn_opened_still_counts(database: Database) -> None:
    uptime = SloDefinition.model_validate(
        {"name": "checkout-uptime", "service": "checkout", "objective": "99.5%", "source": {"type": "incidents"}}
    )
    requests = events_slo(objective="99.9%", window="28d")
    evaluator = SloEvaluator(
        [requests, uptime], database=database, begin=unit_of_work(database), ingestion=AlertIngestion(OncallConfig())
    )
    hour_ago = NOW - timedelta(hours=1)
    await push(database, requests, hour_ago - timedelta(minutes=2), 800, 1_000)
    await evaluator.evaluate_and_store(at=hour_ago)  # the requests burn opens an incident for checkout

    [_, report] = await evaluator.evaluate_and_store(at=NOW)

    assert report.attainment == pytest.approx(1 - 3_600 / (28 * 86_400))
    assert report.fast_burn  # its own burn alert joins that incident, which stays impact all the same
    async with database.transaction() as session:
        [incident] = (await session.exec(select(Incident))).all()
        alerts = (await session.exec(select(Alert).order_by(col(Alert.id)))).all()
    assert [alert.labels["slo"] for alert in alerts] == ["checkout-requests", "checkout-uptime"]
    assert {alert.incident_id for alert in alerts} == {incident.id}

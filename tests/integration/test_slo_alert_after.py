"""A team's own burn rule, on each database: it waits its `alert_after` across stored evaluations, then pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.alerts.ingest import AlertIngestion
from bot.config.schema import OncallConfig
from bot.slo import events
from bot.slo.evaluation import SloEvaluator
from bot.slo.models import SloDefinition
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.tables import Alert, Incident

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULE = {"window": "1h", "burn_rate": 2, "op": "gte", "severity": "page", "alert_after": "10m"}


async def test_a_rule_waits_its_alert_after_over_stored_evaluations_then_opens_an_incident(database: Database) -> None:
    definition = SloDefinition.model_validate(
        {"name": "orders", "service": "orders", "objective": "99%", "window": "1d", "source": {"type": "events"}}
        | {"burn_alerts": [RULE]}
    )
    evaluator = SloEvaluator(
        [definition], database=database, begin=unit_of_work(database), ingestion=AlertIngestion(OncallConfig())
    )
    async with database.transaction() as session:
        # 2 % errors against a 1 % budget: 2× over the last hour, far under the workbook's 14.4× and 6×
        at = NOW - timedelta(minutes=2)
        await events.record(
            session=session, definition=definition, events=events.EventsIn(good=980, total=1_000, at=at), now=NOW
        )

    for minutes in (0, 5):
        [report] = await evaluator.evaluate_and_store(at=NOW + timedelta(minutes=minutes))
        assert report.fast_burn  # AT RISK at once, but nobody is paged before 10 minutes of burning
        async with database.transaction() as session:
            assert (await session.exec(select(Alert))).all() == []

    [report] = await evaluator.evaluate_and_store(at=NOW + timedelta(minutes=10))

    async with database.transaction() as session:
        [alert] = (await session.exec(select(Alert))).all()
        [incident] = (await session.exec(select(Incident))).all()
    assert (alert.status, alert.labels["severity"], alert.starts_at) == ("firing", "page", NOW)
    assert incident.service == "orders" and incident.severity == "SEV2"  # `page` opens a SEV2 by default

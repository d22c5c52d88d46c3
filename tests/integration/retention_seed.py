"""A database with months of history on either backend, made through the bot's own paths where it has them:
alerts through ingestion, pushes through the SLO API's service, replay claims as Slack's requests make them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertIn, AlertStatus
from bot.config.schema import OncallConfig
from bot.slack.replays import first_sight
from bot.slo import events
from bot.slo.models import SloDefinition
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.enums import Severity, Status
from storage.tables import (
    Alert,
    AlertGroup,
    FollowUp,
    Incident,
    OutboxEntry,
    ProcessedEvent,
    Reminder,
    SloEvaluation,
    SloEvent,
    TimelineEntry,
)
from storage.types import running_on

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SLO = SloDefinition.model_validate(
    {
        "name": "checkout-requests",
        "service": "checkout",
        "objective": "99%",
        "window": "28d",
        "source": {"type": "events"},
    }
)
# Every half hour for 120 days: what the scheduler stores at a 30-minute `slo.evaluate_every`.
EVALUATION_EVERY = timedelta(minutes=30)
EVALUATED_DAYS = 120


def _alert(name: str, severity: str, status: AlertStatus, at: datetime, ended: datetime | None = None) -> AlertIn:
    return AlertIn(
        source="alertmanager",
        fingerprint=name,
        status=status,
        labels={"alertname": name, "severity": severity, "service": "checkout"},
        annotations={},
        summary=f"{name} on checkout",
        severity=severity,
        starts_at=at,
        ends_at=ended,
    )


async def alert_group(
    database: Database, name: str, *, at: datetime, severity: str = "warning", resolved: datetime | None = None
) -> None:
    """One alert (a group of its own) fired at `at` and, when `resolved` is given, resolved then."""
    ingestion = AlertIngestion(OncallConfig())
    begin = unit_of_work(database)
    with running_on(lambda: at):
        await ingestion.receive(begin, [_alert(name, severity, AlertStatus.FIRING, at)])
    if resolved is not None:
        with running_on(lambda: resolved):
            await ingestion.receive(begin, [_alert(name, severity, AlertStatus.RESOLVED, at, resolved)])


async def replay_claims(database: Database, prefix: str, count: int, *, at: datetime) -> None:
    begin = unit_of_work(database)
    with running_on(lambda: at):
        for number in range(count):
            assert await first_sight(begin, f"{prefix}-{number}")


async def push(database: Database, at: datetime, good: int, total: int) -> None:
    async with database.transaction() as session:
        await events.record(
            session=session, definition=SLO, events=events.EventsIn(good=good, total=total, at=at), now=NOW
        )


def _evaluation(at: datetime, *, data: bool = True, **values: Any) -> SloEvaluation:
    return SloEvaluation(
        slo=SLO.name,
        service=SLO.service,
        at=at,
        objective=0.99,
        window_seconds=int(SLO.span.total_seconds()),
        good=990.0 if data else None,
        total=1000.0 if data else None,
        attainment=0.999 if data else None,
        budget_remaining=0.9 if data else None,
        burn_rates={"1h": 0.1} if data else {},
        status="PASS" if data else "NO_DATA",
        error=None if data else "no traffic in the window",
        **values,
    )


async def evaluations(database: Database, *, extra: Sequence[SloEvaluation] = ()) -> None:
    """Four months of evaluations, half-hourly, as the scheduler would have stored them."""
    start = NOW - timedelta(days=EVALUATED_DAYS)
    rows = [_evaluation(start + index * EVALUATION_EVERY) for index in range(EVALUATED_DAYS * 48 + 1)]
    table = SloEvaluation.__table__  # type: ignore[attr-defined]
    values = [
        {column.name: getattr(row, column.name) for column in table.columns if column.name != "id"} for row in rows
    ]
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.execute(table.insert(), values)  # one executemany: thousands of rows in a moment
        session.add_all(extra)


async def mark_outbox_done(database: Database, *, at: datetime) -> int:
    """The entries the seeding wrote are performed at `at` (the worker is not running here)."""
    async with database.transaction() as session:
        done = await session.exec(
            update(OutboxEntry).where(col(OutboxEntry.state) == "pending").values(state="done", done_at=at)
        )
    return int(done.rowcount)


async def spent_and_live_reminders(database: Database, *, closed_at: datetime) -> tuple[int, int]:
    """Reminders of a closed incident and a done follow-up (spent), and of an open incident and follow-up."""
    async with database.transaction() as session:
        closed = Incident(title="Old", severity=Severity.SEV2, status=Status.CLOSED, declared_by="U1")
        still_open = Incident(title="Ongoing", severity=Severity.SEV2, status=Status.INVESTIGATING, declared_by="U1")
        closed.closed_at = closed.resolved_at = closed_at
        session.add_all([closed, still_open])
        await session.flush()
        assert closed.id is not None and still_open.id is not None
        done = FollowUp(incident_id=closed.id, number=1, text="Fix", state="done", created_by="U1", done_at=closed_at)
        todo = FollowUp(incident_id=closed.id, number=2, text="Alert on it", created_by="U1")
        session.add_all([done, todo])
        await session.flush()
        assert done.id is not None and todo.id is not None
        session.add_all(
            [
                Reminder(kind="status_nudge", subject_id=closed.id, last_sent_at=closed_at),
                Reminder(kind="postmortem_due", subject_id=closed.id, last_sent_at=closed_at),
                Reminder(kind="follow_up", subject_id=done.id, last_sent_at=closed_at),
                Reminder(kind="status_nudge", subject_id=still_open.id, last_sent_at=closed_at),
                Reminder(kind="follow_up", subject_id=todo.id, last_sent_at=closed_at),
            ]
        )
    return 3, 2


async def count(database: Database, table: type[Any], *where: Any) -> int:
    async with database.reading() as session:
        query = select(func.count()).select_from(table)
        for condition in where:
            query = query.where(condition)
        return int((await session.exec(query)).one())


async def counts(database: Database) -> dict[str, int]:
    tables = {
        "processed_events": ProcessedEvent,
        "outbox": OutboxEntry,
        "alert_groups": AlertGroup,
        "alerts": Alert,
        "slo_evaluations": SloEvaluation,
        "slo_events": SloEvent,
        "reminders": Reminder,
        "incidents": Incident,
        "timeline_entries": TimelineEntry,
        "follow_ups": FollowUp,
    }
    return {name: await count(database, table) for name, table in tables.items()}

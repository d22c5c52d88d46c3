"""SLO reports and budget history, read from stored evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.slo.models import SloDefinition, SloStatus
from bot.slo.report import BudgetPoint, BudgetSeries, SloReport
from bot.slo.rules import rules_of
from storage.queries import slos as queries
from storage.tables import SloEvaluation

NOT_YET = "not evaluated yet"


def to_report(definition: SloDefinition, evaluation: SloEvaluation | None, *, now: datetime) -> SloReport:
    """What an evaluation found, in the words of the SLO's definition as it is configured now."""
    unevaluated = SloReport(
        name=definition.name,
        service=definition.service,
        kind=definition.kind,
        objective=definition.target,
        window=definition.window,
        threshold=definition.threshold,
        burn_rules=tuple(rules_of(definition.burn_alerts)),
        at=now,
        status=SloStatus.NO_DATA,
        error=NOT_YET,
    )
    if evaluation is None:
        return unevaluated
    return replace(
        unevaluated,
        at=evaluation.at,
        status=SloStatus(evaluation.status),
        attainment=evaluation.attainment,
        budget_remaining=evaluation.budget_remaining,
        burn_rates=dict(evaluation.burn_rates),
        fast_burn=evaluation.fast_burn,
        error=evaluation.error,
    )


async def latest_reports(
    *, session: AsyncSession, definitions: Sequence[SloDefinition], now: datetime, at_or_before: datetime | None = None
) -> list[SloReport]:
    reports = []
    for definition in definitions:
        evaluation = await queries.latest_evaluation(session, definition.name, at_or_before=at_or_before)
        reports.append(to_report(definition, evaluation, now=now))
    return reports


async def budget_series(*, session: AsyncSession, definition: SloDefinition, until: datetime) -> BudgetSeries:
    """Budget remaining over the SLO's window ending at `until`."""
    rows = await queries.budget_history(session, definition.name, since=until - definition.window, until=until)
    return BudgetSeries(definition.name, [BudgetPoint(at, remaining) for at, remaining in rows])


def longest_window(definitions: Sequence[SloDefinition]) -> timedelta:
    return max((definition.window for definition in definitions), default=timedelta(days=28))

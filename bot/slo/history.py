"""SLO reports and budget history, read from stored evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.slo.models import PrometheusSource, SloDefinition, SloStatus
from bot.slo.presentation import format_percent
from bot.slo.report import BudgetPoint, BudgetSeries, SloReport
from bot.slo.rules import rules_of
from bot.values.durations import format_duration
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
        window=definition.span,
        threshold=definition.threshold,
        burn_rules=tuple(rules_of(definition.burn_alerts)),
        at=now,
        status=SloStatus.NO_DATA,
        error=NOT_YET,
        slices=_slices(definition),
    )
    calendar = definition.calendar
    if calendar is not None:
        at = now if evaluation is None else evaluation.at
        unevaluated = replace(unevaluated, calendar=calendar.describe(), period=calendar.period(at))
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


def _slices(definition: SloDefinition) -> str | None:
    if definition.slice_length is None:
        return None
    source, budgeting = definition.source, definition.budgeting
    threshold = source if isinstance(source, PrometheusSource) else None  # time slices read Prometheus only
    return texts.slo.slice_rule(
        method=budgeting.method.value,
        slice_length=format_duration(definition.slice_length),
        slice_target=None if budgeting.slice_target is None else format_percent(budgeting.slice_target),
        op=None if threshold is None else threshold.op,
        value=None if threshold is None else threshold.value,
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
    """Budget remaining over the SLO's window ending at `until` (a calendar SLO's: its period so far)."""
    since = until - definition.measured_window(until)
    rows = await queries.budget_history(session, definition.name, since=since, until=until)
    return BudgetSeries(definition.name, [BudgetPoint(at, remaining) for at, remaining in rows])


def longest_window(definitions: Sequence[SloDefinition]) -> timedelta:
    return max((definition.span for definition in definitions), default=timedelta(days=28))

"""Evaluating SLOs: `assess` measures and judges them and writes nothing; `evaluate_and_store` also
raises or clears burn alerts and stores the evaluations.

Only the running bot's scheduler stores: `oncall-bot slo report` and `slo check` assess, so a look
from the command line never opens an incident or rewrites an SLO's history.

Measuring happens outside any transaction (Prometheus may take seconds); the evaluations are then
stored together. The burn alert goes through alert ingestion before the evaluations are stored: if
storing fails, the next evaluation still sees the previous state and sends the same alert again,
which ingestion recognises as a resend.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertIn
from bot.slo.burn import burn_alert, burning_since
from bot.slo.history import to_report
from bot.slo.math import BURN_WINDOWS, WHOLE_WINDOW, Assessment, assess
from bot.slo.models import Measurement, NoData, SloDefinition, SloStatus, find_slo
from bot.slo.prometheus import PrometheusApi
from bot.slo.report import SloReport
from bot.slo.rules import rules_of
from bot.slo.sources import sli_for
from bot.unit_of_work import Begin
from storage.engine import Database
from storage.queries import slos as queries
from storage.tables import SloEvaluation

log = logging.getLogger("oncall.slo")


@dataclass(frozen=True)
class Assessed:
    """One SLO evaluated now, not stored: the evaluation row and the burn alert it implies."""

    definition: SloDefinition
    evaluation: SloEvaluation
    alert: AlertIn | None

    def report(self) -> SloReport:
        return to_report(self.definition, self.evaluation, now=self.evaluation.at)


@dataclass(frozen=True)
class Measured:
    """One SLO measured now: judged, or the reason it could not be."""

    definition: SloDefinition
    whole: Measurement | None = None
    assessment: Assessment | None = None
    error: str | None = None


def windows_of(definition: SloDefinition, at: datetime) -> dict[str, timedelta]:
    """The reported burn windows (always rolling), those the SLO's burn rules look at, and its own window: its
    rolling window, or its calendar period so far."""
    ruled = {name: length for rule in rules_of(definition.burn_alerts) for name, length in rule.windows.items()}
    return {**BURN_WINDOWS, **ruled, WHOLE_WINDOW: definition.measured_window(at)}


class SloEvaluator:
    """Without `begin` it can only measure and assess: the command line's evaluator cannot store.

    It asks Prometheus through `prometheus` (bot/prometheus/client.py), and closes it in `close()`.
    """

    def __init__(
        self,
        definitions: Sequence[SloDefinition],
        *,
        database: Database,
        begin: Begin | None = None,
        ingestion: AlertIngestion | None = None,
        prometheus: PrometheusApi | None = None,
    ) -> None:
        self.definitions = list(definitions)
        self._database = database
        self._begin = begin
        self._ingestion = ingestion
        self._prometheus = prometheus

    def get(self, name: str) -> SloDefinition:
        return find_slo(self.definitions, name)

    def for_service(self, service: str) -> list[SloDefinition]:
        return [definition for definition in self.definitions if definition.service == service]

    async def close(self) -> None:
        if self._prometheus is not None:
            await self._prometheus.close()

    async def measure(self, definition: SloDefinition, *, at: datetime) -> Measured:
        """Measure and judge one SLO now, without storing anything."""
        sli = sli_for(definition, database=self._database, prometheus=self._prometheus)
        try:
            measurements = await sli.measure(windows_of(definition, at), at=at)
        except NoData as exc:
            return Measured(definition, error=str(exc))
        whole = measurements[WHOLE_WINDOW]
        assessment = assess(measurements, definition.target, rules_of(definition.burn_alerts))
        if assessment.attainment is None:
            return Measured(definition, whole=whole, error="no traffic in the window")
        return Measured(definition, whole=whole, assessment=assessment)

    async def assess(self, *, at: datetime, names: Sequence[str] | None = None) -> list[Assessed]:
        """Evaluate the SLOs (all, or those named) against the stored history, writing nothing."""
        definitions = [self.get(name) for name in names] if names is not None else self.definitions
        if not definitions:
            return []
        measured = await asyncio.gather(*(self.measure(definition, at=at) for definition in definitions))
        # A stretch without data neither starts nor ends a burn: compare with the last evaluation that had data.
        async with self._database.reading() as session:
            previous = {d.name: await queries.latest_evaluation(session, d.name, with_data=True) for d in definitions}
        assessed = []
        for result in measured:
            before = previous[result.definition.name]
            evaluation = _evaluation(result, at=at, previous=before)
            alert = burn_alert(result.definition, evaluation, before) if result.assessment is not None else None
            assessed.append(Assessed(result.definition, evaluation, alert))
        return assessed

    async def evaluate_and_store(self, *, at: datetime, names: Sequence[str] | None = None) -> list[SloReport]:
        """The scheduler's evaluation: assess, raise or clear burn alerts, store the evaluations."""
        if self._begin is None:
            raise RuntimeError("this SloEvaluator was made to assess only: give it `begin` to store")
        assessed = await self.assess(at=at, names=names)
        alerts = [one.alert for one in assessed if one.alert is not None]
        if alerts and self._ingestion is not None:
            await self._ingestion.receive(self._begin, alerts)
        if assessed:
            async with self._begin() as (session, _):
                await queries.insert_evaluations(session, [one.evaluation for one in assessed])
        for one in assessed:
            if one.evaluation.error is not None:
                log.warning("slo.no_data slo=%s reason=%s", one.definition.name, one.evaluation.error)
        return [one.report() for one in assessed]


def _evaluation(result: Measured, *, at: datetime, previous: SloEvaluation | None) -> SloEvaluation:
    definition = result.definition
    evaluation = SloEvaluation(
        slo=definition.name,
        service=definition.service,
        at=at,
        objective=definition.target,
        window_seconds=int(definition.measured_window(at).total_seconds()),
        status=SloStatus.NO_DATA.value,
        error=result.error,
        burn_rates={},
    )
    if result.whole is not None:
        evaluation.good, evaluation.total = result.whole.good, result.whole.total
    assessment = result.assessment
    if assessment is not None:
        evaluation.attainment = assessment.attainment
        evaluation.budget_remaining = assessment.budget_remaining
        evaluation.burn_rates = assessment.burn_rates
        evaluation.fast_burn = assessment.fast_burn
        evaluation.fast_burn_since = burning_since(at, fast_burn=assessment.fast_burn, previous=previous)
        evaluation.status = assessment.status.value
    return evaluation

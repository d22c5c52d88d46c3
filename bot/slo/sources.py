"""Where an SLI's good and total counts come from: pushed events, incidents, or Prometheus."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.slo.burn import SOURCE as BURN_SOURCE
from bot.slo.burn import is_own_burn
from bot.slo.models import EventsSource, IncidentsSource, Measurement, NoData, SloDefinition
from bot.slo.prometheus import PrometheusApi, PrometheusSli
from bot.slo.slices import SliceSli
from storage.engine import Database
from storage.queries import slos as queries
from storage.tables import Incident


class Sli(Protocol):
    async def measure(self, windows: Mapping[str, timedelta], *, at: datetime) -> dict[str, Measurement]:
        """Good and total over each named window ending at `at`; raises NoData when it cannot."""
        ...


class EventsSli:
    """Counts pushed to POST /api/v1/slos/{name}/events, summed per window (after start, up to `at`)."""

    def __init__(self, definition: SloDefinition, database: Database) -> None:
        self._name = definition.name
        self._database = database

    async def measure(self, windows: Mapping[str, timedelta], *, at: datetime) -> dict[str, Measurement]:
        measured = {}
        async with self._database.reading() as session:
            for name, length in windows.items():
                good, total = await queries.sum_events(session, self._name, after=at - length, until=at)
                measured[name] = Measurement(good=good, total=total)
        return measured


def impact_interval(incident: Incident, *, now: datetime) -> tuple[datetime, datetime]:
    """From detection (or declaration) to mitigation (or resolution); still open means until now."""
    began = incident.detected_at or incident.declared_at
    ended = incident.mitigated_at or incident.resolved_at or now
    return began, max(began, ended)


def impacted_seconds(intervals: Sequence[tuple[datetime, datetime]], *, start: datetime, end: datetime) -> float:
    """Seconds of [start, end) covered by any interval; overlapping incidents count once."""
    clipped = sorted((max(began, start), min(ended, end)) for began, ended in intervals)
    total, covered_until = 0.0, start
    for began, ended in clipped:
        began = max(began, covered_until)
        if ended > began:
            total += (ended - began).total_seconds()
            covered_until = ended
    return total


class IncidentsSli:
    """Availability from incidents: every second of the window is an event, bad while one was impacting.

    An incident opened by this SLO's own burn alert is not impact: it was raised *because* of the
    impact already counted, and counting it would keep the burn alive for as long as it stays open.
    """

    def __init__(self, definition: SloDefinition, database: Database) -> None:
        assert isinstance(definition.source, IncidentsSource)
        self._definition = definition
        self._service = definition.service
        self._severities = [severity.value for severity in definition.source.severities]
        self._database = database

    async def measure(self, windows: Mapping[str, timedelta], *, at: datetime) -> dict[str, Measurement]:
        longest = max(windows.values())
        async with self._database.reading() as session:
            incidents = await queries.incidents_overlapping(
                session, [self._service], start=at - longest, end=at, severities=self._severities
            )
            burns = [incident.id for incident in incidents if incident.origin == BURN_SOURCE and incident.id]
            opened_by = await queries.opening_alerts(session, burns)
        intervals = [
            impact_interval(incident, now=at)
            for incident in incidents
            if not (incident.id in opened_by and is_own_burn(self._definition, opened_by[incident.id]))
        ]
        measured = {}
        for name, length in windows.items():
            seconds = length.total_seconds()
            bad = impacted_seconds(intervals, start=at - length, end=at)
            measured[name] = Measurement(good=seconds - bad, total=seconds)
        return measured


class _NoPrometheus:
    def __init__(self, definition: SloDefinition) -> None:
        self._name = definition.name

    async def measure(self, windows: Mapping[str, timedelta], *, at: datetime) -> dict[str, Measurement]:
        raise NoData(f"SLO {self._name} reads Prometheus, and this evaluator was given no Prometheus client")


def sli_for(definition: SloDefinition, *, database: Database, prometheus: PrometheusApi | None) -> Sli:
    """The SLI of the definition's source; Prometheus is asked through `prometheus`."""
    if isinstance(definition.source, EventsSource):
        return EventsSli(definition, database)
    if isinstance(definition.source, IncidentsSource):
        return IncidentsSli(definition, database)
    if prometheus is None:
        return _NoPrometheus(definition)
    if definition.slice_length is not None:
        return SliceSli(definition, prometheus)
    return PrometheusSli(definition, prometheus)

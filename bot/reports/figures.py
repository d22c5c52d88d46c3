"""Incident figures of a period: how many opened and resolved, and how long acknowledging, mitigating and
resolving took (p50, p90), in total, per severity and per service. Pure: rows in, values out.

The times are the postmortem's (bot/postmortem/document.py): each runs from `declared_at` to the incident's
own `acknowledged_at`, `mitigated_at` or `resolved_at`, never `updated_at`. A duration belongs to the
period in which it ended, so an incident declared on the 31st and resolved on the 2nd adds its time to
resolve to the period holding the 2nd, and no incident is counted in two periods.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.reports.period import Period
from storage.tables import Incident

PERCENTILES = (50, 90)


def percentile(values: Sequence[timedelta], p: int) -> timedelta | None:
    """Nearest rank: the smallest value that at least p % of the values do not exceed (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@dataclass(frozen=True)
class Durations:
    count: int
    p50: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, values: Sequence[timedelta]) -> Durations:
        return cls(len(values), percentile(values, 50), percentile(values, 90))


@dataclass(frozen=True)
class IncidentFigures:
    opened: int
    resolved: int
    acknowledge: Durations
    mitigate: Durations
    resolve: Durations


@dataclass(frozen=True)
class Totals:
    """One period's incident figures: all incidents, and split by severity and by service."""

    all: IncidentFigures
    by_severity: dict[str, IncidentFigures] = field(default_factory=dict)
    by_service: dict[str, IncidentFigures] = field(default_factory=dict)


def _took(incident: Incident, end: Callable[[Incident], datetime | None], period: Period) -> timedelta | None:
    ended = end(incident)
    if ended is None or not period.holds(ended) or ended < incident.declared_at:
        return None
    return ended - incident.declared_at


def _figures(incidents: Iterable[Incident], period: Period) -> IncidentFigures:
    chosen = list(incidents)

    def durations(end: Callable[[Incident], datetime | None]) -> Durations:
        return Durations.of([took for one in chosen if (took := _took(one, end, period)) is not None])

    return IncidentFigures(
        opened=sum(1 for one in chosen if period.holds(one.declared_at)),
        resolved=sum(1 for one in chosen if period.holds(one.resolved_at)),
        acknowledge=durations(lambda one: one.acknowledged_at),
        mitigate=durations(lambda one: one.mitigated_at),
        resolve=durations(lambda one: one.resolved_at),
    )


def totals(incidents: Sequence[Incident], period: Period) -> Totals:
    severities = sorted({str(one.severity) for one in incidents})
    services = sorted({one.service for one in incidents if one.service})
    return Totals(
        all=_figures(incidents, period),
        by_severity={sev: _figures((one for one in incidents if one.severity == sev), period) for sev in severities},
        by_service={name: _figures((one for one in incidents if one.service == name), period) for name in services},
    )


def change(now: timedelta | int | None, before: timedelta | int | None) -> float | None:
    """The relative change from the previous period (+0.25 is 25 % more); None when either is unknown or 0."""
    if now is None or before is None:
        return None
    previous = before.total_seconds() if isinstance(before, timedelta) else float(before)
    current = now.total_seconds() if isinstance(now, timedelta) else float(now)
    return None if previous == 0 else (current - previous) / previous

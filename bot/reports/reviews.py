"""What a review goes through besides times: the noisiest alert rules, postmortems against their due time,
follow-ups by owner, and where each SLO ended the period. Pure: rows in, values out (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.views import rule_name
from bot.reports.period import Period
from bot.slo.models import SloStatus
from storage.tables import Alert, FollowUp, Incident, SloEvaluation

# An alert that fired this many times (resolving in between) makes its rule a flapping one.
FLAPPING_FIRINGS = 3
NOISIEST = 10


@dataclass(frozen=True)
class RuleFigures:
    rule: str
    alerts: int  # distinct alerts (label sets) of the rule
    firings: int  # times they fired, counting each re-firing after a resolve
    incidents: int  # distinct incidents they joined or opened
    flapping: bool


def noisiest_rules(alerts: Sequence[Alert], services: Sequence[str] = (), *, most: int = NOISIEST) -> list[RuleFigures]:
    """The rules whose alerts fired most, most first; an alert counts for the service its `service` label names."""
    by_rule: dict[str, list[Alert]] = {}
    for alert in alerts:
        if services and alert.labels.get("service") not in services:
            continue
        by_rule.setdefault(rule_name(alert.labels, alert.summary), []).append(alert)
    figures = [
        RuleFigures(
            rule=rule,
            alerts=len(found),
            firings=sum(alert.fired_count for alert in found),
            incidents=len({alert.incident_id for alert in found if alert.incident_id is not None}),
            flapping=any(alert.fired_count >= FLAPPING_FIRINGS for alert in found),
        )
        for rule, found in by_rule.items()
    ]
    figures.sort(key=lambda one: (-one.firings, -one.alerts, one.rule))
    return figures[:most]


@dataclass(frozen=True)
class PostmortemFigures:
    """Postmortems of the incidents resolved in the period, each due `postmortem_due_after` after its resolve."""

    due: int
    drafted_on_time: int
    drafted_late: int
    overdue: int  # not drafted, and past due now
    not_yet_due: int
    closed_on_time: int


def postmortem_state(incident: Incident, due_after: timedelta, now: datetime) -> str:
    """on time, late, overdue or not yet due (for an incident that is resolved)."""
    assert incident.resolved_at is not None
    due = incident.resolved_at + due_after
    drafted = incident.postmortem_drafted_at
    if drafted is not None:
        return "on time" if drafted <= due else "late"
    return "overdue" if now > due else "not yet due"


def postmortems(
    incidents: Sequence[Incident], period: Period, due_after: timedelta, now: datetime
) -> PostmortemFigures:
    resolved = [one for one in incidents if period.holds(one.resolved_at)]
    states = [postmortem_state(one, due_after, now) for one in resolved]
    return PostmortemFigures(
        due=len(resolved),
        drafted_on_time=states.count("on time"),
        drafted_late=states.count("late"),
        overdue=states.count("overdue"),
        not_yet_due=states.count("not yet due"),
        closed_on_time=sum(1 for one in resolved if _closed_on_time(one, due_after)),
    )


def _closed_on_time(incident: Incident, due_after: timedelta) -> bool:
    closed, resolved = incident.closed_at, incident.resolved_at
    return closed is not None and resolved is not None and closed <= resolved + due_after


@dataclass(frozen=True)
class OwnerFollowUps:
    owner: str | None  # None: nobody owns them
    done: int  # done during the period
    open: int  # not done at the period's end, and not past due
    overdue: int  # not done at the period's end, and its due day over by then


def follow_ups(items: Sequence[FollowUp], period: Period, zone: ZoneInfo) -> list[OwnerFollowUps]:
    """By owner, most overdue first; `due` is a local date in `zone`, past once the midnight after it is."""
    counts: dict[str | None, list[int]] = {}
    for item in items:
        row = counts.setdefault(item.owner, [0, 0, 0])
        if item.done_at is not None and item.done_at < period.end:
            row[0] += period.holds(item.done_at)
        elif item.due is not None and datetime.combine(item.due + timedelta(days=1), time(), zone) <= period.end:
            row[2] += 1
        else:
            row[1] += 1
    owners = [OwnerFollowUps(owner, *row) for owner, row in counts.items()]
    owners.sort(key=lambda one: (-one.overdue, -one.open, one.owner or "~"))
    return owners


@dataclass(frozen=True)
class SloFigures:
    met: list[str]
    at_risk: list[str]
    failed: list[str]
    no_data: list[str]


def slos(evaluations: Sequence[SloEvaluation]) -> SloFigures:
    """Where each SLO stood at its last evaluation in the period."""
    by_status: dict[str, list[str]] = {status.value: [] for status in SloStatus}
    for evaluation in sorted(evaluations, key=lambda one: one.slo):
        by_status.setdefault(evaluation.status, []).append(evaluation.slo)
    return SloFigures(
        met=by_status[SloStatus.PASS],
        at_risk=by_status[SloStatus.AT_RISK],
        failed=by_status[SloStatus.FAIL],
        no_data=by_status[SloStatus.NO_DATA],
    )

"""What people are shown about SLOs: one stored evaluation each, and the weekly digest's contents.

These are read from stored evaluations, never recomputed, so `/slo`, the CLI, the digest and the
web pages agree with each other and with history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot import texts
from bot.slo.calendar import Period
from bot.slo.models import SloKind, SloStatus
from bot.slo.rules import DEFAULT_BURN_RULES, BurnRule
from bot.values.durations import format_duration


@dataclass(frozen=True)
class SloReport:
    """One SLO as its latest (or a chosen) evaluation found it."""

    name: str
    service: str
    kind: SloKind
    objective: float  # the good/total ratio promised
    window: timedelta  # rolling; a calendar SLO's longest period
    at: datetime  # when the evaluation ran
    status: SloStatus
    attainment: float | None = None
    budget_remaining: float | None = None
    burn_rates: dict[str, float | None] = field(default_factory=dict)
    fast_burn: bool = False
    threshold: timedelta | None = None  # latency SLOs
    error: str | None = None  # why there is no data
    burn_rules: tuple[BurnRule, ...] = DEFAULT_BURN_RULES  # what "burning fast" means for this SLO
    calendar: str | None = None  # `calendar month, Europe/Madrid` for a calendar-aligned SLO
    period: Period | None = None  # the calendar period the evaluation judged
    slices: str | None = None  # what makes a time slice good (texts.slo.slice_rule), None when events are counted

    @property
    def window_text(self) -> str:
        """`28d`, or `December (calendar month, Europe/Madrid)`."""
        if self.period is None or self.calendar is None:
            return format_duration(self.window)
        return f"{self.period.label} ({self.calendar})"

    def period_text(self) -> str | None:
        """`December, 29 of 31 days in`, or None for a rolling window."""
        if self.period is None:
            return None
        return texts.slo.period_progress(self.period.label, self.period.days_in(self.at), self.period.days())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "service": self.service,
            "kind": self.kind.value,
            "objective": self.objective,
            "window": self.calendar or format_duration(self.window),
            "period": None if self.period is None else self._period_json(self.period),
            "threshold_ms": None if self.threshold is None else self.threshold.total_seconds() * 1000,
            "attainment": self.attainment,
            "budget_remaining": self.budget_remaining,
            "slices": self.slices,
            "burn_rates": self.burn_rates,
            "fast_burn": self.fast_burn,
            "status": self.status.value,
            "error": self.error,
            "evaluated_at": self.at.isoformat(),
        }

    def _period_json(self, period: Period) -> dict[str, Any]:
        return {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.days(),
            "day": period.days_in(self.at),
        }


@dataclass(frozen=True)
class BudgetPoint:
    at: datetime
    budget_remaining: float


@dataclass(frozen=True)
class BudgetSeries:
    """An SLO's budget remaining over its window, from stored evaluations, oldest first."""

    name: str
    points: list[BudgetPoint]


@dataclass(frozen=True)
class DigestIncident:
    """An incident of the week on a service with an SLO: it likely spent some of the budget."""

    number: int
    title: str
    severity: str
    service: str
    started_at: datetime
    impact: timedelta  # from start to mitigation (or resolution, or now when still open)
    channel_id: str | None = None

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


@dataclass(frozen=True)
class Digest:
    """Everything the weekly digest message shows."""

    start: datetime  # the week it covers: [start, end)
    end: datetime
    reports: list[SloReport]
    # The same SLOs as found a week earlier, by name: the trend. Missing when there was no evaluation then.
    last_week: dict[str, SloReport]
    incidents: list[DigestIncident]
    private_incidents: int = 0  # counted, never named

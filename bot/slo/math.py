"""Error budgets and burn rates (docs/slo.md shows the formulas with worked examples).

attainment       = good / total over the SLO's window
error budget     = 1 − objective
budget remaining = 1 − (1 − attainment) / (1 − objective)        (negative once overspent)
burn rate (w)    = error rate over w / (1 − objective)            (1.0 spends the budget in exactly one window)

Status: FAIL when the budget is overspent; AT_RISK when under 25 % of it remains or the budget is
burning fast: one of its burn rules breaches (bot/slo/rules.py; by default the multi-window rules
of the Google SRE workbook, ch. 5 "Alerting on SLOs": over 14.4× for both 1h and 5m, or over 6×
for both 6h and 30m, the short window proving it is still happening); PASS otherwise. No traffic
in the whole window gives no attainment and NO_DATA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.slo.models import Measurement, SloStatus
from bot.slo.rules import DEFAULT_BURN_RULES, BurnRule, breaching

WHOLE_WINDOW = "window"
# The windows burn rates are reported for, shortest first; "window" is the SLO's own.
BURN_WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}
AT_RISK_BELOW = 0.25


def attainment(measurement: Measurement) -> float | None:
    """good/total, or None when nothing happened (no traffic)."""
    if measurement.total <= 0:
        return None
    return min(1.0, max(0.0, measurement.good / measurement.total))


def error_rate(measurement: Measurement) -> float:
    """The share of bad events; 0 with no traffic (nothing was spent)."""
    ratio = attainment(measurement)
    return 0.0 if ratio is None else 1.0 - ratio


def budget_remaining(attained: float, objective: float) -> float:
    """1 = untouched, 0 = exactly spent, negative = overspent (−1: spent twice over)."""
    return 1.0 - (1.0 - attained) / (1.0 - objective)


def burn_rate(measurement: Measurement, objective: float) -> float:
    return error_rate(measurement) / (1.0 - objective)


def is_fast_burn(burn_rates: Mapping[str, float | None], rules: Sequence[BurnRule] = DEFAULT_BURN_RULES) -> bool:
    return bool(breaching(rules, burn_rates))


def classify(remaining: float | None, *, fast_burn: bool) -> SloStatus:
    if remaining is None:
        return SloStatus.NO_DATA
    remaining = round(remaining, 9)  # 99.925 % of a 99.9 % objective leaves 25 %, not 24.99999999 %
    if remaining < 0:
        return SloStatus.FAIL
    if remaining < AT_RISK_BELOW or fast_burn:
        return SloStatus.AT_RISK
    return SloStatus.PASS


@dataclass(frozen=True)
class Assessment:
    attainment: float | None
    budget_remaining: float | None
    burn_rates: dict[str, float | None]
    fast_burn: bool
    status: SloStatus


def assess(
    measurements: Mapping[str, Measurement], objective: float, rules: Sequence[BurnRule] = DEFAULT_BURN_RULES
) -> Assessment:
    """Judge an SLO from its measurements, keyed by window names (BURN_WINDOWS, its rules', WHOLE_WINDOW)."""
    whole = measurements[WHOLE_WINDOW]
    attained = attainment(whole)
    remaining = None if attained is None else budget_remaining(attained, objective)
    names = dict.fromkeys([*BURN_WINDOWS, *measurements, WHOLE_WINDOW])  # the reported ones first, in order
    rates: dict[str, float | None] = {
        name: burn_rate(measurements[name], objective) if name in measurements else None for name in names
    }
    fast = is_fast_burn(rates, rules)
    return Assessment(attained, remaining, rates, fast, classify(remaining, fast_burn=fast))

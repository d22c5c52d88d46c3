"""Burn-rate alert rules: when an SLO's burn alert fires, and at what severity (docs/slo.md, "Burn alerts").

A rule breaches while the burn rate over `window` (and over `short_window`, when given) compares to
`burn_rate` by `op`; it fires once the SLO has been burning for `alert_after`. Without rules of its own an
SLO uses the SRE workbook's two (ch. 5, "Alerting on SLOs"): 14.4× over 1h and 5m pages (`critical`),
6× over 6h and 30m warns. An OpenSLO AlertPolicy becomes rules of the SLO that names it
(bot/slo/openslo_alerts.py); `slos:` in ONCALL_CONFIG may list them as `burn_alerts:`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Literal

from pydantic import Field

from bot.values.durations import format_duration
from bot.values.fields import Duration, Strict

Op = Literal["gt", "gte", "lt", "lte"]
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class BurnRule(Strict):
    window: Duration
    short_window: Duration | None = None  # the workbook's second window: the burn is still happening
    burn_rate: float = Field(gt=0)
    op: Op = "gt"
    severity: str = Field(default="critical", min_length=1)
    alert_after: Duration = timedelta(0)
    # Where an OpenSLO rule came from: the alert's labels carry them, so routes can match on them.
    policy: str | None = None
    condition: str | None = None
    notification_targets: list[str] = Field(default_factory=list)

    @property
    def windows(self) -> dict[str, timedelta]:
        """The windows this rule needs burn rates for, named as burn rates are stored (`1h`, `5m`)."""
        lengths = [self.window] if self.short_window is None else [self.window, self.short_window]
        return {window_name(length): length for length in lengths}

    def breaches(self, burn_rates: Mapping[str, float | None]) -> bool:
        compare = _COMPARE[self.op]
        rates = [burn_rates.get(name) for name in self.windows]
        # No rate (no data for that window) never breaches, whatever the operator.
        return all(rate is not None and compare(rate, self.burn_rate) for rate in rates)


DEFAULT_BURN_RULES: tuple[BurnRule, ...] = (
    BurnRule(window=timedelta(hours=1), short_window=timedelta(minutes=5), burn_rate=14.4, severity="critical"),
    BurnRule(window=timedelta(hours=6), short_window=timedelta(minutes=30), burn_rate=6.0, severity="warning"),
)


def window_name(length: timedelta) -> str:
    return format_duration(length)


def rules_of(rules: Sequence[BurnRule] | None) -> Sequence[BurnRule]:
    """An SLO's own rules, or the workbook's when it has none."""
    return rules or DEFAULT_BURN_RULES


def breaching(rules: Sequence[BurnRule], burn_rates: Mapping[str, float | None]) -> list[BurnRule]:
    return [rule for rule in rules if rule.breaches(burn_rates)]


def firing(
    rules: Sequence[BurnRule], burn_rates: Mapping[str, float | None], *, burning_for: timedelta
) -> list[BurnRule]:
    """The breaching rules whose `alert_after` has passed since the burn began, in the order listed."""
    return [rule for rule in breaching(rules, burn_rates) if burning_for >= rule.alert_after]

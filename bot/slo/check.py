"""`oncall-bot slo check`: judge a service against thresholds given now (from CI or cron).

Each threshold is measured with the service's configured SLI of that kind, over that SLO's window
(or `--window`: a duration, or the current calendar period such as `month`), and nothing is stored: an
ad-hoc question must not rewrite the SLO's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.errors import UsageError
from bot.slo.calendar import CalendarWindow
from bot.slo.evaluation import SloEvaluator
from bot.slo.math import attainment
from bot.slo.models import PrometheusSource, SloDefinition, SloKind, parse_ratio
from bot.slo.presentation import format_percent, format_threshold
from bot.values.durations import format_duration


@dataclass(frozen=True)
class Threshold:
    kind: SloKind
    ratio: float  # availability / latency: the least good share; error rate: the most bad share
    latency: timedelta | None = None

    @property
    def label(self) -> str:
        if self.kind == SloKind.LATENCY:
            assert self.latency is not None
            return f"latency {format_percent(self.ratio)} under {format_threshold(self.latency)}"
        if self.kind == SloKind.ERROR_RATE:
            return f"error rate ≤ {format_percent(self.ratio)}"
        if self.kind == SloKind.THRESHOLD:
            return f"good slices ≥ {format_percent(self.ratio)}"
        return f"availability ≥ {format_percent(self.ratio)}"


@dataclass(frozen=True)
class CheckResult:
    threshold: Threshold
    slo: str | None
    window: str | None  # `28d`, or the calendar period measured: `December (calendar month, UTC)`
    measured: float | None  # the share of good (or, for error rate, bad) events
    passed: bool | None  # None: could not be judged
    reason: str = ""


def parse_latency(text: str) -> Threshold:
    """`300ms@99` (or `0.3s@99%`, `1s@99.9`) → 99 % of requests under 300 ms."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(ms|s)\s*@\s*(\d+(?:\.\d+)?%?)\s*", text)
    if match is None:
        raise UsageError(texts.cli.not_a_latency(text))
    amount, unit, percent = match.groups()
    latency = timedelta(milliseconds=float(amount)) if unit == "ms" else timedelta(seconds=float(amount))
    share = percent if percent.endswith("%") else f"{percent}%"
    return Threshold(SloKind.LATENCY, _ratio("--latency", share), latency)


def _ratio(option: str, text: str) -> float:
    try:
        return parse_ratio(text)
    except ValueError as exc:
        raise UsageError(texts.cli.bad_option(option, exc)) from None


def parse_availability(text: str) -> Threshold:
    """`99.9` or `99.9%` (a bare number is a percentage here) or `0.999`."""
    number = _number(text)
    is_fraction = text.endswith("%") or (number is not None and number < 1)
    return Threshold(SloKind.AVAILABILITY, _ratio("--availability", text if is_fraction else f"{text}%"))


def parse_error_rate(text: str) -> Threshold:
    return Threshold(SloKind.ERROR_RATE, _ratio("--error-rate", text))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _sli_for(threshold: Threshold, slos: list[SloDefinition]) -> SloDefinition | str:
    """The configured SLO whose SLI can answer the threshold, or why none can."""
    kinds = {
        SloKind.AVAILABILITY: (SloKind.AVAILABILITY, SloKind.ERROR_RATE),
        SloKind.ERROR_RATE: (SloKind.ERROR_RATE, SloKind.AVAILABILITY),
        SloKind.LATENCY: (SloKind.LATENCY,),
        SloKind.THRESHOLD: (SloKind.THRESHOLD,),
    }[threshold.kind]
    for kind in kinds:
        for definition in slos:
            if definition.kind != kind:
                continue
            if threshold.kind != SloKind.LATENCY or definition.threshold == threshold.latency:
                return definition
            source = definition.source
            if isinstance(source, PrometheusSource) and source.histogram is not None:
                return definition.model_copy(update={"threshold": threshold.latency})
            assert definition.threshold is not None and threshold.latency is not None
            return (
                f"SLO {definition.name} counts requests under {format_threshold(definition.threshold)} "
                f"and cannot judge {format_threshold(threshold.latency)} (only a Prometheus histogram can)"
            )
    return f"the service has no {threshold.kind.value.replace('_', ' ')} SLO to measure it with"


async def check(
    evaluator: SloEvaluator,
    *,
    service: str,
    thresholds: list[Threshold],
    window: timedelta | CalendarWindow | None,
    at: datetime,
) -> list[CheckResult]:
    slos = evaluator.for_service(service)
    if not slos:
        known = sorted({definition.service for definition in evaluator.definitions})
        raise UsageError(texts.cli.no_slo_for_service(service, known))
    if not thresholds:  # judge each of the service's SLOs by its own objective, with its own SLI
        return [
            await _check_one(evaluator, _own_threshold(definition), [definition], window=window, at=at)
            for definition in slos
        ]
    return [await _check_one(evaluator, threshold, slos, window=window, at=at) for threshold in thresholds]


def _own_threshold(definition: SloDefinition) -> Threshold:
    if definition.kind == SloKind.ERROR_RATE and definition.max_error_rate is not None:
        return Threshold(SloKind.ERROR_RATE, definition.max_error_rate)
    return Threshold(definition.kind, definition.target, definition.threshold)


async def _check_one(
    evaluator: SloEvaluator,
    threshold: Threshold,
    slos: list[SloDefinition],
    *,
    window: timedelta | CalendarWindow | None,
    at: datetime,
) -> CheckResult:
    found = _sli_for(threshold, slos)
    if isinstance(found, str):
        return CheckResult(threshold, None, None, None, None, found)
    definition = found if window is None else found.model_copy(update={"window": window})
    measured = await evaluator.measure(definition, at=at)
    over = _window_text(definition, at)
    good_share = None if measured.whole is None else attainment(measured.whole)
    if good_share is None:
        return CheckResult(threshold, definition.name, over, None, None, measured.error or "no data")
    if threshold.kind == SloKind.ERROR_RATE:
        bad_share = 1 - good_share
        return CheckResult(threshold, definition.name, over, bad_share, bad_share <= threshold.ratio)
    return CheckResult(threshold, definition.name, over, good_share, good_share >= threshold.ratio)


def _window_text(definition: SloDefinition, at: datetime) -> str:
    calendar = definition.calendar
    if calendar is None:
        return format_duration(definition.span)
    period = calendar.period(at)
    progress = texts.slo.period_progress(period.label, period.days_in(at), period.days())
    return f"{progress} ({calendar.describe()})"

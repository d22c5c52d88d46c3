"""Time-slice budgeting (OpenSLO's Timeslices and RatioTimeslices), measured with Prometheus range queries.

Time is cut into slices of the SLO's `slice` length, ending at whole multiples of it since the Unix epoch, so a
re-run at the same instant finds the same slices. Each query runs once as a range query with `step` = the slice
and `$window` = the slice: its value at a slice's end is that slice's. A slice scores
- timeslices of a ratio: 1 (good) when its good/total reaches `slice_target`, else 0 (bad);
- timeslices of a threshold query: 1 when every series' value meets `op value`, else 0; with a slice target,
  1 when that share of the slice's minutely points meet it;
- ratio_timeslices: its good/total, so the attainment is the mean of the slices' ratios.
A slice without data (no sample, NaN, or no traffic) is neither good nor bad: it counts in no total.
A window of length w is the last ⌊w / slice⌋ whole slices, back from the last whole one (so the 1h window of
5-minute slices is 12 slices however far into a slice `at` is), and at least that last slice (the 5m burn
window of 1h slices). A window's measurement is (sum of its scores, its slices with data).
"""

from __future__ import annotations

import asyncio
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.slo.models import (
    OCCURRENCE_STEP,
    BudgetingMethod,
    Measurement,
    NoData,
    PrometheusSource,
    SloDefinition,
    SloKind,
)
from bot.slo.prometheus import PrometheusApi, QueryFailed, parse_answer, prometheus_duration, queries_of

# Prometheus refuses a range query of more than 11,000 points per series; a long window is asked in chunks.
MAX_POINTS = 10_000
_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}

Scores = dict[float, float | None]  # slice end (Unix seconds) → score, None when the slice has no data


@dataclass(frozen=True)
class Grid:
    """The slices of `length` seconds ending at or before `at`."""

    length: int
    at: float

    @property
    def last_end(self) -> float:
        return math.floor(self.at / self.length) * self.length

    def first_end(self, window: timedelta) -> float:
        """The end of the first of the window's slices: as many whole slices as it holds, back from the last one."""
        count = max(1, math.floor(window.total_seconds() / self.length))
        return self.last_end - (count - 1) * self.length


def measure_scores(scores: Scores, grid: Grid, windows: Mapping[str, timedelta]) -> dict[str, Measurement]:
    """(sum of scores, slices with data) over each window's slices."""
    measured = {}
    for name, window in windows.items():
        first = grid.first_end(window)
        inside = [score for end, score in scores.items() if first <= end <= grid.last_end and score is not None]
        measured[name] = Measurement(good=float(sum(inside)), total=float(len(inside)))
    return measured


def ratio_score(
    good: float | None, total: float | None, *, method: BudgetingMethod, slice_target: float | None
) -> float | None:
    """A slice's score from its good and total counts; None without traffic."""
    if total is None or total <= 0:
        return None
    ratio = min(1.0, max(0.0, (good or 0.0) / total))
    if method == BudgetingMethod.RATIO_TIMESLICES:
        return ratio
    assert slice_target is not None
    # rounded, so 950/1000 meets a 95 % slice target rather than falling 1e-16 short
    return 1.0 if round(ratio, 9) >= slice_target else 0.0


def threshold_score(values: list[float], *, op: str, value: float) -> float | None:
    """1 when every series' value meets `op value`, 0 when one does not; None without a value."""
    if not values:
        return None
    return 1.0 if all(_OPS[op](sample, value) for sample in values) else 0.0


class SliceSli:
    """Measures a time-sliced (or threshold) SLO whose source is Prometheus, with range queries."""

    def __init__(self, definition: SloDefinition, api: PrometheusApi) -> None:
        if not isinstance(definition.source, PrometheusSource) or definition.slice_length is None:
            raise TypeError(f"SLO {definition.name} is not measured in time slices of Prometheus queries")
        self._definition = definition
        self._source = definition.source
        self._api = api
        self._slice = int(definition.slice_length.total_seconds())

    async def measure(self, windows: Mapping[str, timedelta], *, at: datetime) -> dict[str, Measurement]:
        grid = Grid(self._slice, at.timestamp())
        first = grid.first_end(max(windows.values()))
        timeout = self._source.timeout
        try:
            async with asyncio.timeout(timeout.total_seconds()):
                scores = await self._scores(first, grid.last_end)
        except TimeoutError:
            raise NoData(
                f"Prometheus at {self._source.url} did not answer within {prometheus_duration(timeout)}"
            ) from None
        return measure_scores(scores, grid, windows)

    async def _scores(self, first: float, last: float) -> Scores:
        definition, source = self._definition, self._source
        if definition.kind == SloKind.THRESHOLD:
            return await self._threshold_scores(first, last)
        (first_role, first_query), (total_role, total_query) = queries_of(definition, source)
        counted, totals = await asyncio.gather(
            self._series(first_role, first_query, first, last), self._series(total_role, total_query, first, last)
        )
        scores: Scores = {}
        for end in _ends(first, last, self._slice):
            total = sum(totals[end]) if totals.get(end) else None
            numerator = sum(counted[end]) if counted.get(end) else 0.0
            if definition.kind == SloKind.ERROR_RATE and total is not None:
                numerator = max(0.0, total - numerator)  # errors counted a moment after the total may exceed it
            scores[end] = ratio_score(
                numerator, total, method=definition.budgeting.method, slice_target=definition.budgeting.slice_target
            )
        return scores

    async def _threshold_scores(self, first: float, last: float) -> Scores:
        source, target = self._source, self._definition.budgeting.slice_target
        assert source.query is not None and source.op is not None and source.value is not None
        op, value = source.op, source.value
        ends = _ends(first, last, self._slice)
        if target is None:  # the query's value at the slice's end, over the slice, is the slice's
            samples = await self._series("query", source.query, first, last)
            return {end: threshold_score(samples.get(end, []), op=op, value=value) for end in ends}
        # With a slice target, a slice is good when that share of its minutely points meets the threshold.
        step = int(OCCURRENCE_STEP.total_seconds())
        points = await self._series("query", source.query, first - self._slice + step, last, step=step)
        passed: dict[float, list[float]] = {}
        for at, values in points.items():
            score = threshold_score(values, op=op, value=value)
            if score is not None:
                passed.setdefault(math.ceil(at / self._slice) * self._slice, []).append(score)
        return {
            end: ratio_score(sum(passed[end]), len(passed[end]), method=BudgetingMethod.TIMESLICES, slice_target=target)
            if end in passed
            else None
            for end in ends
        }

    async def _series(
        self, role: str, promql: str, first: float, last: float, *, step: int | None = None
    ) -> dict[float, list[float]]:
        """Each point's values (one per series, NaN left out), over as many range queries as the limit needs."""
        step = step or self._slice
        query = promql.replace("$window", prometheus_duration(timedelta(seconds=step)))
        found: dict[float, list[float]] = {}
        start = first
        while start <= last:
            stop = min(last, start + (MAX_POINTS - 1) * step)
            params = {"query": query, "start": f"{start:.3f}", "end": f"{stop:.3f}", "step": f"{step}s"}
            try:
                status, text = await self._api.get(f"{self._source.url}/api/v1/query_range", params)
            except QueryFailed as exc:
                raise NoData(f"Prometheus at {self._source.url} {exc}") from None
            for end, value in _samples(parse_answer(text, status, role=role, promql=query), role=role, promql=query):
                found.setdefault(end, []).append(value)
            start = stop + step
        return found


def _ends(first: float, last: float, length: int) -> list[float]:
    count = round((last - first) / length) + 1
    return [first + index * length for index in range(max(0, count))]


def _samples(data: dict[str, Any], *, role: str, promql: str) -> list[tuple[float, float]]:
    """(timestamp, value) of every series of a range query's matrix; NaN (0/0: no traffic) is left out."""
    if data.get("resultType") != "matrix":
        raise NoData(f"{role} `{promql}` gives a {data.get('resultType')}, not a value per time slice")
    samples = []
    try:
        for series in data.get("result") or []:
            for timestamp, text in series["values"]:
                value = float(text)
                if not math.isnan(value):  # +Inf stays: a p99 above every bucket is slow, not missing
                    samples.append((float(timestamp), value))
    except (KeyError, TypeError, ValueError):
        raise NoData(f"Prometheus answered {role} `{promql}` with a malformed matrix") from None
    return samples

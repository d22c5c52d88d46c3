"""The Prometheus SLI source: good and total events per window, from instant queries over its HTTP API.

Each window's queries run at one evaluation `time`, so every window is judged against the same instant and
a re-run at that `time` gives the same numbers. A failure becomes `NoData` carrying one line people can act
on; the evaluation shows it as the reason the SLO has no status.
See https://prometheus.io/docs/prometheus/2.42/querying/api/#instant-queries

The HTTP itself is `PrometheusApi`'s: bot/prometheus/client.py in the bot, anything that answers in tests.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.slo.models import Measurement, NoData, PrometheusSource, SloDefinition, SloKind

WINDOW_PLACEHOLDER = "$window"
_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1))


class QueryFailed(Exception):
    """No answer came; the message follows "Prometheus at <url>": "is unreachable (connection refused)"."""


class PrometheusApi(Protocol):
    """Prometheus's HTTP API, as far as the SLI asks it."""

    async def get(self, url: str, params: Mapping[str, str]) -> tuple[int, str]:
        """The HTTP status and body of the answer to a GET; raises QueryFailed when none came."""
        ...

    async def close(self) -> None:
        """Let go of its connections; the last call."""
        ...


def prometheus_duration(value: timedelta) -> str:
    """A range as PromQL writes it: 28 days → `28d`, 90 minutes → `1h30m`, 1.5 s → `1s500ms`."""
    # Days rather than weeks, so a 28d SLO window reads back as written; Prometheus ≥ 2.24 takes mixed units.
    milliseconds = round(value.total_seconds() * 1000)
    parts = []
    for unit, size in _UNITS:
        amount, milliseconds = divmod(milliseconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def le_matcher(threshold: timedelta) -> str:
    """A regex for the `le` label of the bucket bounded by `threshold`, as any client spells it (`1|1\\.0`)."""
    # Go's text format writes 1 s as "1"; the Python client, OpenMetrics and Prometheus 3 write "1.0".
    python = repr(threshold.total_seconds())
    spellings = dict.fromkeys([python.removesuffix(".0"), python])
    return "|".join(spelling.replace(".", "\\.").replace("+", "\\+") for spelling in spellings)


def latency_queries(histogram: str, selector: str, threshold: timedelta) -> tuple[str, str]:
    """PromQL for (requests faster than `threshold`, all requests) from a histogram's buckets, per `$window`."""
    labels = selector.strip().removeprefix("{").removesuffix("}").strip().rstrip(",")
    # A PromQL double-quoted string unescapes backslashes, so the regex's `\.` is written `\\.`.
    le = _promql_string(le_matcher(threshold))
    bucket_labels = f"{labels},le=~{le}" if labels else f"le=~{le}"
    count = f"{histogram}_count{{{labels}}}" if labels else f"{histogram}_count"
    good = f"sum(increase({histogram}_bucket{{{bucket_labels}}}[{WINDOW_PLACEHOLDER}]))"
    total = f"sum(increase({count}[{WINDOW_PLACEHOLDER}]))"
    return good, total


def _promql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class _Query:
    role: str  # names the query in error messages, as the config does
    promql: str  # with `$window` still in it


@dataclass(frozen=True)
class _Answer:
    value: float
    has_series: bool  # False for an empty vector: no series matched


class PrometheusSli:
    """Measures one SLO whose source is Prometheus; the caller owns (and closes) the API's connections."""

    def __init__(self, definition: SloDefinition, api: PrometheusApi) -> None:
        if not isinstance(definition.source, PrometheusSource):
            raise TypeError(f"SLO {definition.name} does not read Prometheus")
        self._source = definition.source
        self._api = api
        self._is_error_rate = definition.kind == SloKind.ERROR_RATE
        self._first, self._total = (_Query(*query) for query in queries_of(definition, definition.source))
        self._missing_bucket: str | None = None
        if definition.source.histogram is not None and definition.threshold is not None:
            self._missing_bucket = (
                f"histogram {definition.source.histogram} has no bucket le={definition.threshold.total_seconds():g}: "
                "make the SLO's threshold one of its bucket bounds"
            )

    async def measure(self, windows: Mapping[str, timedelta], *, at: datetime) -> dict[str, Measurement]:
        """Good and total events over each named window ending at `at` (a timezone-aware datetime)."""
        planned = [
            query.promql.replace(WINDOW_PLACEHOLDER, prometheus_duration(length))
            for length in windows.values()
            for query in (self._first, self._total)
        ]
        roles = [query.role for _ in windows for query in (self._first, self._total)]
        timeout = self._source.timeout
        try:
            async with asyncio.timeout(timeout.total_seconds()):
                answers = await asyncio.gather(
                    *(self._query(role, promql, at) for role, promql in zip(roles, planned, strict=True)),
                    # Waiting for every query leaves no request running behind the first failure.
                    return_exceptions=True,
                )
        except TimeoutError:
            raise NoData(
                f"Prometheus at {self._source.url} did not answer within {prometheus_duration(timeout)}"
            ) from None
        results: list[_Answer] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer  # the first failure in window order, so the message does not vary run to run
            results.append(answer)
        pairs = zip(results[::2], results[1::2], strict=True)
        return {name: self._measurement(first, total) for name, (first, total) in zip(windows, pairs, strict=True)}

    def _measurement(self, first: _Answer, total: _Answer) -> Measurement:
        if self._is_error_rate:
            # Errors counted a moment after the total can exceed it; a negative good count means nothing.
            return Measurement(good=max(0.0, total.value - first.value), total=total.value)
        if self._missing_bucket is not None and total.has_series and not first.has_series:
            # Otherwise every request would count as slow and the SLO would fail for a typo in its threshold.
            raise NoData(self._missing_bucket)
        return Measurement(good=first.value, total=total.value)

    async def _query(self, role: str, promql: str, at: datetime) -> _Answer:
        url = f"{self._source.url}/api/v1/query"
        params = {"query": promql, "time": f"{at.timestamp():.3f}"}
        try:
            status, text = await self._api.get(url, params)
        except QueryFailed as exc:
            raise NoData(f"Prometheus at {self._source.url} {exc}") from None
        return _answer(parse_answer(text, status, role=role, promql=promql), role=role, promql=promql)


def queries_of(definition: SloDefinition, source: PrometheusSource) -> tuple[tuple[str, str], tuple[str, str]]:
    """(role, PromQL) of the good (or error) query and of the total query; the model checked each kind has them."""
    if source.histogram is not None:
        assert definition.threshold is not None
        good, total = latency_queries(source.histogram, source.selector, definition.threshold)
        return (f"bucket query of {source.histogram}", good), (f"count query of {source.histogram}", total)
    assert source.total_query is not None
    if definition.kind == SloKind.ERROR_RATE:
        assert source.error_query is not None
        return ("error_query", source.error_query), ("total_query", source.total_query)
    assert source.good_query is not None
    return ("good_query", source.good_query), ("total_query", source.total_query)


def parse_answer(text: str, status: int, *, role: str, promql: str) -> dict[str, Any]:
    """The `data` of a successful answer; NoData naming the query otherwise."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise NoData(f"Prometheus answered HTTP {status} without a query result to {role} `{promql}`")
    if body.get("status") != "success":
        # Prometheus explains a rejected query in `error`, e.g. "1:14: parse error: unclosed left parenthesis".
        raise NoData(f"Prometheus rejected {role} `{promql}`: {body.get('error') or f'HTTP {status}'}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise NoData(f"Prometheus answered {role} `{promql}` without data")
    return data


def _answer(data: dict[str, Any], *, role: str, promql: str) -> _Answer:
    """One number from an instant vector (summed over its series) or a scalar."""
    kind = data.get("resultType")
    result: Any = data.get("result")
    if kind not in ("vector", "scalar"):
        hint = ": wrap its range selector in increase() and sum()" if kind == "matrix" else ""
        raise NoData(f"{role} `{promql}` gives a {kind}, not one number{hint}")
    try:
        values = [_number(sample["value"][1]) for sample in result] if kind == "vector" else [_number(result[1])]
    except (KeyError, IndexError, TypeError, ValueError):
        raise NoData(f"Prometheus answered {role} `{promql}` with a malformed {kind}") from None
    value = sum(values)
    if not math.isfinite(value):
        raise NoData(f"{role} `{promql}` gives {value}, not a count of events")
    return _Answer(value, has_series=bool(values))


def _number(text: str) -> float:
    value = float(text)
    # NaN is what 0/0 gives when nothing happened in the window: no events, not an error.
    return 0.0 if math.isnan(value) else value

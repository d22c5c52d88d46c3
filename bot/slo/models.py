"""SLO definitions (from ONCALL_CONFIG's `slos:` or OpenSLO files) and what measuring one yields.

Every kind of objective is reduced to one ratio, good/total ≥ objective, so the maths, the history
and the digest treat them alike:
- availability: good requests / all requests;
- latency: requests faster than `threshold` / all requests (e.g. 99 % under 300 ms);
- error rate: errors/total ≤ `max_error_rate` is good/total ≥ 1 − max_error_rate, good = total − errors;
- threshold: time slices whose query value meets `op value` / slices with data (Prometheus only).

How events are counted is the budgeting method: occurrences (events), timeslices (good slices / slices)
or ratio_timeslices (the mean of each slice's good/total); see bot/slo/slices.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from bot import texts
from bot.errors import UserError
from bot.slo.calendar import CALENDAR_WORDS, CalendarWindow
from bot.slo.rules import BurnRule
from bot.values.crontab import cron_trigger
from bot.values.durations import format_duration, parse_duration
from bot.values.fields import Duration, Strict
from storage.enums import Severity

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
DEFAULT_WINDOW = timedelta(days=28)


class SloKind(StrEnum):
    AVAILABILITY = "availability"
    LATENCY = "latency"
    ERROR_RATE = "error_rate"
    THRESHOLD = "threshold"


class BudgetingMethod(StrEnum):
    OCCURRENCES = "occurrences"
    TIMESLICES = "timeslices"
    RATIO_TIMESLICES = "ratio_timeslices"


# A threshold SLO budgeted by occurrences counts each data point of its query, one a minute.
OCCURRENCE_STEP = timedelta(minutes=1)


class SloStatus(StrEnum):
    PASS = "PASS"
    AT_RISK = "AT_RISK"
    FAIL = "FAIL"
    NO_DATA = "NO_DATA"  # the source could not be read, or there was no traffic to judge


def parse_ratio(value: Any) -> float:
    """`0.999`, `99.9%` or `"99.9 %"` → 0.999; ValueError otherwise."""
    text = str(value).strip().replace(" ", "")
    try:
        # rounded, so 99.9 % is 0.999 and not 0.9990000000000001
        ratio = round(float(text[:-1]) / 100, 12) if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a ratio: write 0.999 or 99.9%") from None
    if not 0 < ratio < 1:
        raise ValueError(f"{value!r} must lie strictly between 0 and 1 (0 % and 100 %)")
    return ratio


Ratio = Annotated[float, BeforeValidator(parse_ratio)]


class PrometheusSource(Strict):
    """PromQL over Prometheus' HTTP API; `$window` in a query becomes the range, e.g. `[$window]` → `[28d]`.

    Give `good_query` (or, for error-rate SLOs, `error_query`) with `total_query`, or, for a latency
    SLO, a `histogram` name (and optional `selector`) and the queries are built from its `le` buckets.
    """

    type: Literal["prometheus"]
    url: str
    good_query: str | None = None
    error_query: str | None = None
    total_query: str | None = None
    histogram: str | None = None
    selector: str = ""
    # threshold SLOs: each slice's value of `query` (`$window` = the slice) must meet `op value`
    query: str | None = None
    op: Literal["lt", "lte", "gt", "gte"] | None = None
    value: float | None = None
    timeout: Duration = timedelta(seconds=5)

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not re.match(r"https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http(s) URL of a Prometheus server")
        return url.rstrip("/")


class EventsSource(Strict):
    """Good/total counts pushed to POST /api/v1/slos/{name}/events."""

    type: Literal["events"]


class IncidentsSource(Strict):
    """Availability from the impact of the service's incidents: good = window − time impacted."""

    type: Literal["incidents"]
    severities: list[Severity] = Field(default_factory=lambda: [Severity.SEV1, Severity.SEV2])

    @field_validator("severities", mode="before")
    @classmethod
    def _parse(cls, values: Any) -> Any:
        if not isinstance(values, list):
            return values
        parsed = [Severity.parse(str(value)) for value in values]
        if any(severity is None for severity in parsed):
            raise ValueError("must be a list of sev1..sev4")
        return parsed


Source = Annotated[PrometheusSource | EventsSource | IncidentsSource, Field(discriminator="type")]


def _window(value: Any) -> timedelta | CalendarWindow:
    """`28d` (rolling), `month` / `1M` (a calendar month in UTC) or `{calendar: month, timezone: …}`."""
    if isinstance(value, timedelta | CalendarWindow):
        return value
    if isinstance(value, str) and value.strip() in CALENDAR_WORDS:
        return CalendarWindow(calendar=CALENDAR_WORDS[value.strip()])
    if isinstance(value, dict):
        try:
            return CalendarWindow.model_validate(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            reason = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                reason = "is not a key of a calendar window (calendar, timezone, count, start)"
            raise ValueError(f"{where} {reason}".strip()) from None
    return parse_duration(str(value))


Window = Annotated[timedelta | CalendarWindow, BeforeValidator(_window)]


class Budgeting(Strict):
    """How the budget is counted: `occurrences` (events) or time slices of `slice` (OpenSLO's timeSliceWindow)."""

    method: BudgetingMethod = BudgetingMethod.OCCURRENCES
    slice: Duration | None = None
    slice_target: Ratio | None = None  # timeslices of a ratio: a slice is good when its good/total reaches it

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _complete(self) -> Budgeting:
        if self.method == BudgetingMethod.OCCURRENCES:
            if self.slice is not None or self.slice_target is not None:
                raise ValueError("slice and slice_target are for method timeslices or ratio_timeslices")
            return self
        if self.slice is None:
            raise ValueError(f"method {self.method} needs slice, the length of a time slice (e.g. 5m)")
        if self.slice < timedelta(seconds=1) or self.slice.total_seconds() != int(self.slice.total_seconds()):
            raise ValueError(f"slice must be a whole number of seconds, at least 1s, got {format_duration(self.slice)}")
        if self.method == BudgetingMethod.RATIO_TIMESLICES and self.slice_target is not None:
            raise ValueError("ratio_timeslices averages each slice's ratio: slice_target is for timeslices")
        return self


class SloDefinition(Strict):
    name: str
    service: str
    kind: SloKind = SloKind.AVAILABILITY
    objective: Ratio | None = None
    max_error_rate: Ratio | None = None  # error-rate SLOs: errors/total must stay at or below it
    threshold: Duration | None = None  # latency SLOs: a request slower than this is not good
    window: Window = DEFAULT_WINDOW
    budgeting: Budgeting = Field(default_factory=Budgeting)
    description: str = ""
    source: Source
    # When its burn alert fires and how severe it is; empty: the SRE workbook's rules (bot/slo/rules.py).
    burn_alerts: list[BurnRule] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _slug(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} must be lower-case letters, digits, '-', '_' or '.' (it appears in URLs)")
        return name

    @field_validator("threshold", mode="before")
    @classmethod
    def _milliseconds(cls, value: Any) -> Any:
        # Latency thresholds are written in milliseconds more often than not: `300ms`.
        if isinstance(value, str) and value.strip().lower().endswith("ms"):
            return timedelta(milliseconds=float(value.strip()[:-2]))
        return value

    @model_validator(mode="after")
    def _complete(self) -> SloDefinition:
        if self.kind == SloKind.ERROR_RATE:
            if self.max_error_rate is None:
                raise ValueError("an error_rate SLO needs max_error_rate (e.g. 0.1%)")
            if self.objective is not None:
                raise ValueError("an error_rate SLO takes max_error_rate, not objective")
        elif self.objective is None:
            article = "an" if self.kind == SloKind.AVAILABILITY else "a"
            raise ValueError(f"{article} {self.kind} SLO needs an objective (e.g. 99.9%)")
        if self.kind == SloKind.LATENCY and self.threshold is None:
            raise ValueError("a latency SLO needs a threshold (e.g. 300ms)")
        if self.kind == SloKind.THRESHOLD and not isinstance(self.source, PrometheusSource):
            raise ValueError("a threshold SLO reads its query from a prometheus source")
        if isinstance(self.source, IncidentsSource) and self.kind != SloKind.AVAILABILITY:
            raise ValueError("an incidents source measures availability only")
        if isinstance(self.source, PrometheusSource):
            self._check_queries(self.source)
        self._check_budgeting()
        return self

    def _check_budgeting(self) -> None:
        method = self.budgeting.method
        if method != BudgetingMethod.OCCURRENCES and not isinstance(self.source, PrometheusSource):
            raise ValueError(f"budgeting {method} needs a prometheus source (slices are read with range queries)")
        if self.kind == SloKind.THRESHOLD:
            if method == BudgetingMethod.RATIO_TIMESLICES:
                raise ValueError("a threshold SLO has no ratio per slice: use budgeting timeslices or occurrences")
            slice_length = self.budgeting.slice
            if self.budgeting.slice_target is not None and slice_length is not None and slice_length % OCCURRENCE_STEP:
                # its minutely points are grouped into slices: a slice must hold whole minutes
                raise ValueError("a threshold SLO with slice_target needs a slice of whole minutes (e.g. 5m)")
        elif method == BudgetingMethod.TIMESLICES and self.budgeting.slice_target is None:
            raise ValueError("budgeting timeslices needs slice_target: the good/total a slice must reach (e.g. 95%)")
        slice_length = self.budgeting.slice
        if slice_length is not None and isinstance(self.window, timedelta) and slice_length > self.window:
            window = format_duration(self.window)
            raise ValueError(f"budgeting.slice ({format_duration(slice_length)}) is longer than the window ({window})")

    def _check_queries(self, source: PrometheusSource) -> None:
        threshold_fields = (source.query, source.op, source.value)
        if self.kind == SloKind.THRESHOLD:
            if None in threshold_fields:
                raise ValueError("a threshold SLO's source needs query, op (lt, lte, gt or gte) and value")
            return
        if any(field is not None for field in threshold_fields):
            raise ValueError("source.query, op and value are for kind: threshold")
        if source.histogram is not None:
            if self.kind != SloKind.LATENCY:
                raise ValueError("source.histogram builds latency queries: use it with kind: latency")
            return
        bad = source.error_query if self.kind == SloKind.ERROR_RATE else source.good_query
        if bad is None or source.total_query is None:
            wanted = "error_query" if self.kind == SloKind.ERROR_RATE else "good_query"
            raise ValueError(f"source needs {wanted} and total_query (or histogram, for latency)")

    @property
    def calendar(self) -> CalendarWindow | None:
        return self.window if isinstance(self.window, CalendarWindow) else None

    @property
    def span(self) -> timedelta:
        """The rolling window, or a calendar window's longest period: what history and charts cover."""
        return self.window.longest if isinstance(self.window, CalendarWindow) else self.window

    def measured_window(self, at: datetime) -> timedelta:
        """How far back attainment and budget reach at `at`: the rolling window, or the period so far."""
        if isinstance(self.window, CalendarWindow):
            # At least a second: at the very start of a period PromQL refuses a `[0s]` range.
            return max(at - self.window.period(at).start, timedelta(seconds=1))
        return self.window

    @property
    def slice_length(self) -> timedelta | None:
        """The time slice measured at once, or None when events are counted."""
        if self.budgeting.slice is not None:
            return self.budgeting.slice
        return OCCURRENCE_STEP if self.kind == SloKind.THRESHOLD else None

    @property
    def target(self) -> float:
        """The good/total ratio the SLO promises."""
        if self.kind == SloKind.ERROR_RATE:
            assert self.max_error_rate is not None
            return 1 - self.max_error_rate
        assert self.objective is not None
        return self.objective


@dataclass(frozen=True)
class Measurement:
    """Good and total events over one window; seconds for incident-derived availability."""

    good: float
    total: float


class NoData(Exception):
    """The SLI could not be measured now (source down, query wrong); the reason is shown as is."""


class UnknownSlo(UserError):
    def __init__(self, name: str) -> None:
        super().__init__(texts.slo.no_such_slo(name))
        self.name = name


def find_slo(definitions: list[SloDefinition], name: str) -> SloDefinition:
    for definition in definitions:
        if definition.name == name:
            return definition
    raise UnknownSlo(name)


class DigestConfig(Strict):
    """A weekly SLO digest: which channel, and when (standard cron, in `timezone`)."""

    channel: str
    cron: str = "0 9 * * MON"

    # What the scheduler stores per digest (bot/slo/digest.py): a report (bot/config/reports.py) is another kind.
    kind: ClassVar[str] = "slo"

    def key(self) -> str:
        return f"{self.channel} {self.cron}"

    def options(self) -> dict[str, Any] | None:
        return None

    @field_validator("channel")
    @classmethod
    def _named(cls, channel: str) -> str:
        if not re.fullmatch(r"#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,}", channel):
            raise ValueError(f"{channel!r} must be a channel name with # (like #slo-digest) or a channel id")
        return channel

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, cron: str) -> str:
        cron_trigger(cron, ZoneInfo("UTC"))
        return cron

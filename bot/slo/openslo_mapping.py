"""OpenSLO v1 SLO fields → SloDefinition fields: time windows, budgeting methods, objectives and the SLI kinds.

bot/slo/openslo.py reads the documents and resolves references; this maps what an SLO says onto the model
(docs/slo.md, "OpenSLO files", lists each field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.slo.models import DEFAULT_WINDOW, SloKind
from bot.slo.openslo_fields import Invalid as _Invalid
from bot.slo.openslo_fields import known as _known
from bot.slo.openslo_fields import mapping as _mapping
from bot.slo.openslo_fields import string as _string
from bot.values.fields import known_zone

_OBJECTIVE_FIELDS = {"displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow"}
_COMPOSITE_FIELDS = ("indicator", "indicatorRef", "compositeWeight")
_SHORTHAND = re.compile(r"(\d+)([mhdwMQY])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_CALENDAR_UNITS = {"d": "day", "w": "week", "M": "month", "Q": "quarter", "Y": "year"}


@dataclass(frozen=True)
class _Slicing:
    """What an objective says about time slices: SloDefinition's `budgeting`, and a threshold's op and value."""

    budgeting: dict[str, Any]
    op: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class _Ratio:
    is_bad: bool  # `bad`/`total`: the numerator counts failures
    numerator: str
    total: str
    url: str

    def fields(self, objective: float, slicing: _Slicing) -> dict[str, Any]:
        source = {"type": "prometheus", "url": self.url, "total_query": self.total}
        fields: dict[str, Any] = {"source": source, "budgeting": slicing.budgeting}
        if self.is_bad:
            # OpenSLO's (total − bad)/total ≥ target is an error-rate SLO's bad/total ≤ 1 − target; the
            # rounding keeps 1 − 0.999 at 0.001 rather than 0.0010000000000000009.
            source["error_query"] = self.numerator
            return fields | {"kind": SloKind.ERROR_RATE, "max_error_rate": round(1 - objective, 12)}
        source["good_query"] = self.numerator
        return fields | {"kind": SloKind.AVAILABILITY, "objective": objective}


@dataclass(frozen=True)
class _Threshold:
    query: str
    url: str

    def fields(self, objective: float, slicing: _Slicing) -> dict[str, Any]:
        source = {"type": "prometheus", "url": self.url, "query": self.query, "op": slicing.op, "value": slicing.value}
        return {"kind": SloKind.THRESHOLD, "objective": objective, "source": source, "budgeting": slicing.budgeting}


def _window(value: Any) -> timedelta | dict[str, Any]:
    """A rolling window's length, or a calendar window as SloDefinition's `window: {calendar: …}`."""
    if value is None:  # optional in OpenSLO
        return DEFAULT_WINDOW
    if not isinstance(value, list) or len(value) != 1:
        raise _Invalid("spec.timeWindow", "must list exactly one window, e.g. [{duration: 28d, isRolling: true}]")
    path = "spec.timeWindow[0]"
    window = _mapping(value[0], path)
    _known(window, {"duration", "isRolling", "calendar"}, path, "a timeWindow")
    rolling = window.get("isRolling", "calendar" not in window)
    if not isinstance(rolling, bool):
        raise _Invalid(f"{path}.isRolling", f"must be true or false, got {rolling!r}")
    if rolling:
        if "calendar" in window:
            raise _Invalid(f"{path}.calendar", "is for calendar-aligned windows: write isRolling: false")
        return _duration(window.get("duration"), f"{path}.duration")
    return _calendar(window, path)


def _calendar(window: dict[str, Any], path: str) -> dict[str, Any]:
    """`{duration: 1M, isRolling: false, calendar: {startTime, timeZone}}` → `{calendar: month, …}`."""
    match = _SHORTHAND.fullmatch(str(window.get("duration", "")).strip())
    if match is None or match[2] not in _CALENDAR_UNITS or int(match[1]) == 0:
        got = window.get("duration")
        raise _Invalid(f"{path}.duration", f"must be a calendar period like 1d, 1w, 1M, 1Q or 1Y, got {got!r}")
    fields: dict[str, Any] = {"calendar": _CALENDAR_UNITS[match[2]], "count": int(match[1])}
    calendar = _mapping(window.get("calendar", {}), f"{path}.calendar")
    _known(calendar, {"startTime", "timeZone"}, f"{path}.calendar", "a calendar")
    if "timeZone" in calendar:
        zone = _string(calendar["timeZone"], f"{path}.calendar.timeZone")
        try:
            fields["timezone"] = known_zone(zone)
        except ValueError as exc:
            raise _Invalid(f"{path}.calendar.timeZone", str(exc)) from None
    if "startTime" in calendar:
        fields["start"] = _start_time(calendar["startTime"], f"{path}.calendar.startTime")
    return fields


def _start_time(value: Any, path: str) -> datetime:
    """`2022-01-01 00:00:00` (OpenSLO's form) or an ISO 8601 time, read as wall-clock time in timeZone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value).strip()).replace(tzinfo=None)
    except ValueError:
        raise _Invalid(path, f"must be a time like 2022-01-01 00:00:00, got {value!r}") from None


def _duration(value: Any, path: str) -> timedelta:
    """OpenSLO's duration shorthand (`28d`, `4w`, `12h`): case-sensitive, `M` is months."""
    match = _SHORTHAND.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(path, f"must be a duration like 28d, 4w or 12h, got {value!r}")
    amount, unit = int(match[1]), match[2]
    if unit not in _UNITS:  # M, Q, Y
        raise _Invalid(
            path, f"{value!r} varies in length: a rolling window takes m, h, d or w; M, Q and Y need isRolling: false"
        )
    if amount == 0:
        raise _Invalid(path, f"must be longer than zero, got {value!r}")
    return timedelta(**{_UNITS[unit]: amount})


_METHODS = {"Occurrences": "occurrences", "Timeslices": "timeslices", "RatioTimeslices": "ratio_timeslices"}


def _budgeting(value: Any) -> str:
    """SloDefinition's budgeting method for OpenSLO's `budgetingMethod`."""
    if value in _METHODS:
        return _METHODS[value]
    known = ", ".join(_METHODS)
    reason = f"is required: write one of {known}" if value is None else f"must be one of {known}, got {value!r}"
    raise _Invalid("spec.budgetingMethod", reason)


def _slicing(objectives: Any, method: str, indicator: _Ratio | _Threshold) -> _Slicing:
    """The objective's timeSliceTarget, timeSliceWindow, op and value, checked against the budgeting method."""
    path = "spec.objectives[0]"
    objective = objectives[0]  # _objective has checked there is exactly one mapping
    budgeting: dict[str, Any] = {"method": method}
    window = objective.get("timeSliceWindow")
    if method == "occurrences":
        for key in ("timeSliceWindow", "timeSliceTarget"):
            if key in objective:
                raise _Invalid(f"{path}.{key}", "is for budgetingMethod Timeslices or RatioTimeslices")
    elif window is None:
        raise _Invalid(path, f"needs timeSliceWindow (e.g. 5m) with budgetingMethod {_method_name(method)}")
    else:
        # OpenSLO also allows a number of seconds; the shorthand is what its examples write.
        budgeting["slice"] = f"{window}s" if isinstance(window, int) else _duration(window, f"{path}.timeSliceWindow")
    if "timeSliceTarget" in objective:
        if method == "ratio_timeslices":
            raise _Invalid(f"{path}.timeSliceTarget", "is not used by RatioTimeslices (each slice's ratio is averaged)")
        budgeting["slice_target"] = _fraction(objective["timeSliceTarget"], f"{path}.timeSliceTarget", scale=1)
    elif method == "timeslices" and isinstance(indicator, _Ratio):
        raise _Invalid(path, "needs timeSliceTarget (e.g. 0.95): the good/total a time slice must reach")
    if isinstance(indicator, _Ratio):  # OpenSLO: op and value are only needed with a thresholdMetric
        return _Slicing(budgeting)
    op, value = objective.get("op"), objective.get("value")
    if op not in ("lt", "lte", "gt", "gte"):
        raise _Invalid(f"{path}.op", f"must be lt, lte, gt or gte for a thresholdMetric SLI, got {op!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"{path}.value", f"must be the threshold, a number, for a thresholdMetric SLI, got {value!r}")
    return _Slicing(budgeting, op, float(value))


def _method_name(method: str) -> str:
    return next(name for name, ours in _METHODS.items() if ours == method)


def _objective(value: Any) -> tuple[float, str]:
    """The good/total ratio promised, and the path it was written at."""
    if not isinstance(value, list) or not value:
        raise _Invalid("spec.objectives", "must list one objective, e.g. [{target: 0.999}]")
    if len(value) > 1:
        raise _Invalid("spec.objectives", f"lists {len(value)} objectives: write one SLO per objective")
    path = "spec.objectives[0]"
    objective = _mapping(value[0], path)
    for key in _COMPOSITE_FIELDS:
        if key in objective:
            raise _Invalid(
                f"{path}.{key}", "is not supported: composite SLOs are not measured, give the SLO one indicator"
            )
    _known(objective, _OBJECTIVE_FIELDS, path, "an objective")
    if "target" in objective and "targetPercent" in objective:
        raise _Invalid(path, "takes target or targetPercent, not both")
    if "target" in objective:
        return _fraction(objective["target"], f"{path}.target", scale=1), f"{path}.target"
    if "targetPercent" in objective:
        return _fraction(objective["targetPercent"], f"{path}.targetPercent", scale=100), f"{path}.targetPercent"
    raise _Invalid(path, "needs target (e.g. 0.999) or targetPercent (e.g. 99.9)")


def _fraction(value: Any, path: str, *, scale: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(path, f"must be a number, got {value!r}")
    if not 0 < value < scale:
        raise _Invalid(path, f"must lie strictly between 0 and {scale}")
    # 99.9 / 100 is 0.9990000000000001 in binary floating point; people wrote 99.9 %.
    return round(value / scale, 12)

"""A report as JSON for scripts: every duration in seconds, totals and each severity's and service's figures."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from bot.reports.figures import Durations, IncidentFigures, Totals
from bot.reports.report import Report


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _durations(value: Durations) -> dict[str, Any]:
    return {"count": value.count, "p50_seconds": _seconds(value.p50), "p90_seconds": _seconds(value.p90)}


def _figures(value: IncidentFigures) -> dict[str, Any]:
    return {
        "opened": value.opened,
        "resolved": value.resolved,
        "time_to_acknowledge": _durations(value.acknowledge),
        "time_to_mitigate": _durations(value.mitigate),
        "time_to_resolve": _durations(value.resolve),
    }


def _totals(value: Totals) -> dict[str, Any]:
    return {
        "totals": _figures(value.all),
        "by_severity": {name: _figures(one) for name, one in value.by_severity.items()},
        "by_service": {name: _figures(one) for name, one in value.by_service.items()},
    }


def to_json(report: Report) -> dict[str, Any]:
    previous = report.period.previous()
    return {
        "period": {
            "label": report.period.label,
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
        },
        "previous_period": {"start": previous.start.isoformat(), "end": previous.end.isoformat()},
        "services": list(report.services),
        "generated_at": report.generated_at.isoformat(),
        "timezone": report.zone.key,
        **_totals(report.current),
        "previous": _totals(report.previous),
        "noisiest_rules": [asdict(rule) for rule in report.rules],
        "postmortems": asdict(report.postmortems),
        "follow_ups": [{**asdict(one), "owner_name": report.name(one.owner)} for one in report.follow_ups],
        "slos": asdict(report.slos),
        "oncall_load": [{**asdict(one), "name": report.name(one.person)} for one in report.load],
        "incidents": [
            {
                "number": line.number,
                "title": line.title,
                "severity": line.severity,
                "service": line.service,
                "declared_at": line.declared_at.isoformat(),
                "time_to_acknowledge_seconds": _seconds(line.acknowledge),
                "time_to_resolve_seconds": _seconds(line.resolve),
                "postmortem": line.postmortem,
                "follow_ups": [asdict(item) for item in line.follow_ups],
            }
            for line in report.incidents
        ],
    }

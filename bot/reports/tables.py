"""A report as titled tables of text: Markdown, CSV, HTML, Slack and the web page all show these same cells,
so whichever way a report is read it says the same thing (JSON, for scripts, is bot/reports/export.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.reports.figures import IncidentFigures, Totals, change
from bot.reports.report import Report
from bot.values.durations import format_duration


@dataclass(frozen=True)
class Table:
    key: str  # a stable name: the CSV's first column, the HTML table's id
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]


def duration(value: timedelta | None) -> str:
    return "–" if value is None else format_duration(timedelta(seconds=int(value.total_seconds())))


def trend(now: timedelta | int | None, before: timedelta | int | None) -> str:
    """+50 % / −20 % / = against the previous period; – when there is nothing to compare."""
    ratio = change(now, before)
    if ratio is None:
        return "–"
    return "=" if round(ratio * 100) == 0 else f"{ratio * 100:+.0f}%".replace("-", "−")


def _times(label: str, now: IncidentFigures, before: IncidentFigures | None) -> tuple[str, ...]:
    return (
        label,
        str(now.opened),
        str(now.resolved),
        duration(now.acknowledge.p50),
        duration(now.acknowledge.p90),
        duration(now.mitigate.p50),
        duration(now.resolve.p50),
        duration(now.resolve.p90),
        trend(now.opened, before.opened if before else None),
        trend(now.acknowledge.p50, before.acknowledge.p50 if before else None),
        trend(now.resolve.p50, before.resolve.p50 if before else None),
    )


TIME_HEADERS = (
    "",
    "opened",
    "resolved",
    "ack p50",
    "ack p90",
    "mitigate p50",
    "resolve p50",
    "resolve p90",
    "opened vs before",
    "ack p50 vs before",
    "resolve p50 vs before",
)


def _split(key: str, title: str, now: dict[str, IncidentFigures], before: dict[str, IncidentFigures]) -> Table:
    return Table(key, title, TIME_HEADERS, [_times(name, figures, before.get(name)) for name, figures in now.items()])


def incident_tables(current: Totals, previous: Totals) -> list[Table]:
    return [
        Table("incidents", "Incidents", TIME_HEADERS, [_times("all", current.all, previous.all)]),
        _split("severities", "By severity", current.by_severity, previous.by_severity),
        _split("services", "By service", current.by_service, previous.by_service),
    ]


def tables(report: Report) -> list[Table]:
    pm = report.postmortems
    zone = report.zone
    return [
        *incident_tables(report.current, report.previous),
        Table(
            "rules",
            "Noisiest alert rules",
            ("rule", "alerts", "firings", "incidents", "flapping"),
            [
                (r.rule, str(r.alerts), str(r.firings), str(r.incidents), "yes" if r.flapping else "")
                for r in report.rules
            ],
        ),
        Table(
            "postmortems",
            "Postmortems of resolved incidents",
            ("due", "drafted on time", "drafted late", "overdue", "not yet due", "closed on time"),
            [
                tuple(
                    str(n)
                    for n in (
                        pm.due,
                        pm.drafted_on_time,
                        pm.drafted_late,
                        pm.overdue,
                        pm.not_yet_due,
                        pm.closed_on_time,
                    )
                )
            ],
        ),
        Table(
            "follow_ups",
            "Follow-ups by owner",
            ("owner", "done", "open", "overdue"),
            [(report.name(one.owner), str(one.done), str(one.open), str(one.overdue)) for one in report.follow_ups],
        ),
        Table(
            "slos",
            "SLOs at the end of the period",
            ("met", "at risk", "failed", "no data"),
            [
                tuple(
                    ", ".join(names) or "–"
                    for names in (report.slos.met, report.slos.at_risk, report.slos.failed, report.slos.no_data)
                )
            ],
        ),
        Table(
            "load",
            "On-call load (each person's own hours)",
            ("person", "zone", "pages", "business", "off hours", "sleep hours", "hours on call"),
            [
                (
                    report.name(one.person),
                    one.zone or zone.key + "*",
                    str(one.pages),
                    str(one.business),
                    str(one.off),
                    str(one.sleep),
                    f"{one.hours_on_call:g}",
                )
                for one in report.load
            ],
        ),
        Table(
            "incident_list",
            "Incidents and their postmortems",
            ("incident", "title", "severity", "service", "declared", "ack", "resolve", "postmortem", "follow-ups"),
            [
                (
                    f"INC-{line.number}",
                    line.title,
                    line.severity,
                    line.service or "",
                    line.declared_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    duration(line.acknowledge),
                    duration(line.resolve),
                    line.postmortem or "",
                    "; ".join(
                        f"#{f.number} {'done' if f.done else 'open'} {report.name(f.owner)} {f.text}".strip()
                        for f in line.follow_ups
                    ),
                )
                for line in report.incidents
            ],
        ),
    ]

"""The posted review's picture: p50 time to acknowledge and resolve over the last periods, and the period's
incidents per week by severity. Drawn like bot/slo/chart.py: matplotlib's object API on an Agg canvas, in a
worker thread, matplotlib imported on the first render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.reports.figures import totals
from bot.reports.period import Period
from storage.tables import Incident

PERIODS = 6  # how many periods the trend shows, the current one last
WEEK = timedelta(days=7)
SIZE_INCHES, DPI = (8.0, 6.0), 150
SEVERITY_COLOURS = {"SEV1": "#d62728", "SEV2": "#ff7f0e", "SEV3": "#1f77b4", "SEV4": "#7f7f7f"}


@dataclass(frozen=True)
class Trend:
    ends: list[datetime]  # each period's end
    acknowledge_minutes: list[float | None]
    resolve_minutes: list[float | None]
    weeks: list[datetime]  # each week's start, in the current period
    per_week: dict[str, list[int]]  # severity → incidents declared in each week


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


def trend(incidents: Sequence[Incident], period: Period) -> Trend:
    """From rows that reach PERIODS periods back (bot/reports/report.py gather over `span(period)`)."""
    periods = [Period(period.start - k * period.length, period.end - k * period.length, "") for k in range(PERIODS)]
    periods.reverse()
    figures = [totals(incidents, one).all for one in periods]
    weeks = []
    start = period.start
    while start < period.end:
        weeks.append(start)
        start += WEEK
    per_week: dict[str, list[int]] = {}
    for incident in incidents:
        if period.holds(incident.declared_at):
            row = per_week.setdefault(str(incident.severity), [0] * len(weeks))
            row[int((incident.declared_at - period.start) / WEEK)] += 1
    return Trend(
        ends=[one.end for one in periods],
        acknowledge_minutes=[_minutes(one.acknowledge.p50) for one in figures],
        resolve_minutes=[_minutes(one.resolve.p50) for one in figures],
        weeks=weeks,
        per_week=dict(sorted(per_week.items())),
    )


def span(period: Period) -> Period:
    """The span the chart's rows cover: PERIODS periods ending with this one."""
    return Period(period.end - PERIODS * period.length, period.end, period.label)


def render(data: Trend, *, title: str) -> bytes:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained", facecolor="white")
    times, weekly = figure.subplots(2, 1)
    labels = [f"{end:%d %b}" for end in data.ends]
    for values, name, colour in (
        (data.acknowledge_minutes, "time to acknowledge, p50", "#1f77b4"),
        (data.resolve_minutes, "time to resolve, p50", "#d62728"),
    ):
        times.plot(labels, [float("nan") if v is None else v for v in values], marker="o", label=name, color=colour)
    times.set_ylabel("minutes")
    times.set_title(title, loc="left", fontweight="bold", parse_math=False)
    times.legend(frameon=False)
    times.grid(True, color="#dddddd")
    bottom = [0] * len(data.weeks)
    week_labels = [f"{start:%d %b}" for start in data.weeks]
    for severity, counts in data.per_week.items():
        weekly.bar(week_labels, counts, bottom=bottom, label=severity, color=SEVERITY_COLOURS.get(severity, "#333333"))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    weekly.set_ylabel("incidents per week")
    if data.per_week:
        weekly.legend(frameon=False)
    out = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()

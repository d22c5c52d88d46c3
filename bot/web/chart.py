"""An SLO's history as an SVG for its web page, on a y-axis that outliers do not flatten.

A budget's history often starts with a few wild values (an SLO's first evaluations see little traffic,
so one bad request is -5,000 % of budget) and then settles between 80 and 95 %. Drawn to scale, the
settled part is a flat line. So the axis spans the robust range of the values, Tukey's far-out fences
(quartiles ± 3 × the interquartile range), which unlike the 5th–95th percentile still holds with a
handful of points; a value outside is drawn at the edge as a triangle with its real value beside it.

matplotlib draws it (object API, no pyplot, as in bot/slo/chart.py), imported at the first chart.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.slo.chart import AT_RISK_COLOUR, FAIL_COLOUR, GRID_COLOUR, LINE_COLOURS
from bot.slo.math import AT_RISK_BELOW
from bot.slo.report import BudgetSeries

FENCE = 3.0
# Quartiles of a steady budget can be equal: below this spread (percentage points) nothing is an outlier.
LEAST_SPREAD = 10.0
PADDING = 0.08
LABELLED_OUTLIERS = 6  # more labels than this would cover the line
# 499 × 269 CSS px, shown at most 680 px wide: on a phone's 366 px the ticks are still 10 px tall.
SIZE_INCHES = (5.2, 2.8)
FONT = 11.0


@dataclass(frozen=True)
class Outlier:
    at: datetime
    percent: float


@dataclass(frozen=True)
class HistoryChart:
    svg: str  # an <svg> element, ready to be put in a page
    bottom: float  # the axis, in percent of budget
    top: float
    outliers: list[Outlier]

    @property
    def below(self) -> int:
        return sum(1 for outlier in self.outliers if outlier.percent < self.bottom)

    @property
    def range_text(self) -> str:
        """The axis as words: `97.5 % to 100.2 %`; whole numbers once it spans ten points or more."""
        places = 0 if self.top - self.bottom >= 10 else 1
        return f"{self.bottom:,.{places}f} % to {self.top:,.{places}f} %"


def robust_range(values: Sequence[float]) -> tuple[float, float]:
    """The fences outside which a value is an outlier: (low, high)."""
    if len(values) < 4:
        return min(values), max(values)
    first, _, third = statistics.quantiles(values, n=4, method="inclusive")
    spread = max(third - first, LEAST_SPREAD)
    return first - FENCE * spread, third + FENCE * spread


def axis_range(values: Sequence[float]) -> tuple[float, float]:
    """The y-axis: every value within the fences, with 0 % and 100 % when they are within them too."""
    low, high = robust_range(values)
    shown = [value for value in values if low <= value <= high]
    shown += [edge for edge in (0.0, 100.0) if low <= edge <= high]
    bottom, top = min(shown), max(shown)
    pad = max(top - bottom, 2.0) * PADDING
    return bottom - pad, top + pad


def history_chart(series: BudgetSeries, *, start: datetime, end: datetime, zone: ZoneInfo) -> HistoryChart | None:
    """The budget remaining over the window, or None before the SLO's first evaluation with data."""
    if not series.points:
        return None
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    at = [point.at for point in series.points]
    values = [point.budget_remaining * 100 for point in series.points]
    bottom, top = axis_range(values)
    outliers = [Outlier(when, value) for when, value in zip(at, values, strict=True) if not bottom <= value <= top]

    figure = Figure(figsize=SIZE_INCHES, layout="constrained", facecolor="white")
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    xs = date2num(at)  # type: ignore[no-untyped-call]
    clipped = [min(max(value, bottom), top) for value in values]
    axes.plot(xs, clipped, color=LINE_COLOURS[0], linewidth=2.0, marker="o" if len(values) < 30 else None)
    if bottom < 0:
        axes.axhspan(bottom, min(0.0, top), color=FAIL_COLOUR, alpha=0.12, linewidth=0, zorder=0)
    if bottom < AT_RISK_BELOW * 100 and top > 0:
        axes.axhspan(max(0.0, bottom), min(AT_RISK_BELOW * 100, top), color=AT_RISK_COLOUR, alpha=0.12, linewidth=0)
    for side, marker, edge, align in (("low", "v", bottom, "bottom"), ("high", "^", top, "top")):
        beyond = [o for o in outliers if (o.percent < bottom if side == "low" else o.percent > top)]
        if not beyond:
            continue
        points = axes.scatter(
            date2num([o.at for o in beyond]),  # type: ignore[no-untyped-call]
            [edge] * len(beyond),
            marker=marker, s=90, color=FAIL_COLOUR, zorder=5, clip_on=False,
        )  # fmt: skip
        points.set_gid(f"outliers-{side}")
        for outlier in beyond[:LABELLED_OUTLIERS]:
            axes.annotate(
                f"{outlier.percent:,.0f} %", (float(date2num(outlier.at)), edge),  # type: ignore[no-untyped-call]
                xytext=(9, 4 if side == "low" else -4), textcoords="offset points", va=align, fontsize=FONT * 0.85,
                color=FAIL_COLOUR, annotation_clip=False,
            )  # fmt: skip
    axes.set_ylim(bottom, top)
    axes.set_xlim(float(date2num(start)), float(date2num(end)))  # type: ignore[no-untyped-call]
    locator = AutoDateLocator(tz=zone, minticks=3, maxticks=5)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, tz=zone, show_offset=False))  # type: ignore[no-untyped-call]
    # `99.5 %`, `100 %`: as many decimals as the tick needs, none more (PercentFormatter pads to `100.00%`).
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.6g} %"))
    axes.tick_params(labelsize=FONT, colors="#333333")
    axes.grid(True, color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    axes.set_xlabel(f"Dates in {zone}", fontsize=FONT * 0.85, color="#555555", parse_math=False)
    buffer = io.StringIO()
    # Text stays text (selectable, sharp at any size); ids are the same for the same data.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "oncall-bot"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return HistoryChart(svg[svg.index("<svg") :], bottom, top, outliers)

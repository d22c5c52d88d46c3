"""Pictures of error budgets: a PNG chart for messages and a sparkline for ephemeral replies.

The chart uses matplotlib's object API on an Agg canvas, never pyplot: no global figure registry,
so a server can render in a worker thread (`asyncio.to_thread`). matplotlib is imported on the first
render, not with this module, because it takes about half a second and text replies never need it.
Sizes and colours are set on the artists themselves, so a matplotlibrc on the server changes little.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.slo.math import AT_RISK_BELOW
from bot.slo.report import BudgetSeries

# matplotlib.dates ships without type hints (no dates.pyi): its calls carry `type: ignore[no-untyped-call]`.
if TYPE_CHECKING:
    from matplotlib.axes import Axes

# 8 × 4 in at 150 dpi is 1200 × 600 px: text in points scales up 1.5× and stays legible on a phone.
SIZE_INCHES, DPI = (8.0, 4.0), 150
FONT, SMALL_FONT, TITLE_FONT = 11.0, 9.0, 13.0
FAIL_COLOUR, AT_RISK_COLOUR, ZERO_COLOUR, GRID_COLOUR = "#d62728", "#ff7f0e", "#333333", "#dddddd"
# Ten colours that stay apart for colour-blind readers (matplotlib's tab10); past ten, dashes tell lines apart.
LINE_COLOURS = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#ff7f0e",
    "#d62728",
)
LINE_STYLES = ("-", "--", ":", "-.")
LEGEND_COLUMNS = 3
BARS = "▁▂▃▄▅▆▇█"
SPARKLINE_WIDTH = 24


def render_budget_chart(
    series: Sequence[BudgetSeries], *, start: datetime, end: datetime, zone: ZoneInfo, title: str
) -> bytes:
    """A PNG of each SLO's error budget remaining (in %) from `start` to `end`, dates shown in `zone`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    width, height = SIZE_INCHES
    # Past three legend rows the picture grows taller, rather than squeezing the plot.
    height += max(0, math.ceil(len(series) / LEGEND_COLUMNS) - 3) * 0.25
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    lowest, highest = 0.0, 100.0
    for index, one in enumerate(series):
        xs = date2num([point.at for point in one.points])  # type: ignore[no-untyped-call]
        ys = [point.budget_remaining * 100 for point in one.points]
        if ys:
            lowest, highest = min(lowest, *ys), max(highest, *ys)
        label = one.name if ys else f"{one.name} (no data yet)"
        axes.plot(
            xs,
            ys,
            label=label,
            color=LINE_COLOURS[index % len(LINE_COLOURS)],
            linestyle=LINE_STYLES[index // len(LINE_COLOURS) % len(LINE_STYLES)],
            linewidth=2.0,
        )
    # Room under 0 % so the FAIL band shows even while every SLO passes.
    bottom, top = min(-20.0, lowest - 0.08 * (highest - lowest)), max(105.0, highest + 5)
    _draw_bands(axes, bottom=bottom, top=top)
    axes.set_xlim(float(date2num(start)), float(date2num(end)))  # type: ignore[no-untyped-call]
    _style_axes(axes, zone=zone, title=title)
    if series:
        _draw_legend(axes, count=len(series))
    if not any(one.points for one in series):
        axes.text(
            0.5, 0.6, "no evaluations yet", transform=axes.transAxes, ha="center", va="center",
            fontsize=TITLE_FONT * 1.5, color="#555555", parse_math=False,
        )  # fmt: skip
    buffer = io.BytesIO()
    # No "Software" stamp: the same data gives the same bytes, whatever the matplotlib version.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _draw_bands(axes: Axes, *, bottom: float, top: float) -> None:
    at_risk = AT_RISK_BELOW * 100
    axes.set_ylim(bottom, top)
    axes.axhspan(bottom, 0, color=FAIL_COLOUR, alpha=0.12, linewidth=0, zorder=0)
    axes.axhspan(0, at_risk, color=AT_RISK_COLOUR, alpha=0.12, linewidth=0, zorder=0)
    axes.axhline(0, color=ZERO_COLOUR, linewidth=1.5, zorder=1)
    # Band names sit at the right edge, in axes x and data y, so they stay put whatever the dates.
    transform = axes.get_yaxis_transform()
    for y, name, colour in ((bottom / 2, "FAIL", FAIL_COLOUR), (at_risk / 2, "AT RISK", AT_RISK_COLOUR)):
        axes.text(
            0.995, y, name, transform=transform, ha="right", va="center", fontsize=SMALL_FONT,
            fontweight="bold", color=colour, zorder=3, parse_math=False,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5},
        )  # fmt: skip


def _style_axes(axes: Axes, *, zone: ZoneInfo, title: str) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import PercentFormatter

    locator = AutoDateLocator(tz=zone, minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    # Days read "13 Feb" rather than a bare "13": the month is not on the axis otherwise.
    formats = ["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S.%f"]
    zero_formats = ["", "%Y", "%d %b", "%d %b", "%H:%M", "%H:%M"]
    formatter = ConciseDateFormatter(  # type: ignore[no-untyped-call]
        locator, tz=zone, formats=formats, zero_formats=zero_formats, show_offset=False
    )
    axes.xaxis.set_major_formatter(formatter)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    axes.tick_params(labelsize=FONT, colors="#333333")
    axes.grid(True, color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    axes.set_facecolor("white")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_ylabel("Error budget remaining", fontsize=FONT)
    axes.set_xlabel(f"Dates in {zone}", fontsize=SMALL_FONT, color="#555555", parse_math=False)
    # User text: a `$` in a title must not switch on matplotlib's maths typesetting.
    axes.set_title(title, fontsize=TITLE_FONT, loc="left", fontweight="bold", parse_math=False)


def _draw_legend(axes: Axes, *, count: int) -> None:
    # Handles and labels are passed explicitly: matplotlib would drop a label starting with "_".
    lines = axes.get_lines()[:count]
    legend = axes.legend(
        lines,
        [str(line.get_label()) for line in lines],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=min(count, LEGEND_COLUMNS),
        fontsize=SMALL_FONT if count > 2 * LEGEND_COLUMNS else FONT,
        frameon=False,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)


def sparkline(values: Sequence[float]) -> str:
    """`▁▃▅█`-bars of the values, at most 24 wide; a flat series is a row of mid bars."""
    finite = [value for value in values if math.isfinite(value)]
    if not finite:
        return ""
    buckets = _downsample(finite, SPARKLINE_WIDTH)
    low, high = min(buckets), max(buckets)
    if high - low < 1e-9 * max(1.0, abs(high)):
        return BARS[len(BARS) // 2 - 1] * len(buckets)
    top = len(BARS) - 1
    return "".join(BARS[round((value - low) / (high - low) * top)] for value in buckets)


def _downsample(values: list[float], width: int) -> list[float]:
    """The mean of each of `width` equal slices (as equal as whole items allow)."""
    if len(values) <= width:
        return values
    edges = [len(values) * i // width for i in range(width + 1)]
    return [sum(values[a:b]) / (b - a) for a, b in itertools.pairwise(edges)]

"""The budget chart a manager opens on a phone, and the sparkline an ephemeral reply carries instead."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib.image import imread

from bot.slo.chart import BARS, render_budget_chart, sparkline
from bot.slo.report import BudgetPoint, BudgetSeries

END = datetime(2025, 3, 10, 6, tzinfo=UTC)
START = END - timedelta(days=28)
ZONE = ZoneInfo("Europe/Berlin")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _series(name: str, first: float, last: float, *, points: int = 500) -> BudgetSeries:
    step = (END - START) / points
    return BudgetSeries(
        name, [BudgetPoint(START + step * i, first + (last - first) * i / (points - 1)) for i in range(points)]
    )


def _write(tmp_path: Path, png: bytes, name: str = "chart.png") -> Path:
    path = tmp_path / name
    path.write_bytes(png)
    return path


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"  # the first chunk, as the PNG spec requires
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manager_sees_two_slos_one_overspent_in_a_phone_sized_chart(tmp_path: Path) -> None:
    series = [_series("checkout-availability", 1.0, -0.4), _series("search-latency", 0.9, 0.6)]

    png = render_budget_chart(series, start=START, end=END, zone=ZONE, title="Error budget remaining")
    path = _write(tmp_path, png)

    width, height = _png_size(path)
    assert width >= 800 and height >= 400
    assert 10_000 <= path.stat().st_size <= 2_000_000
    pixels = imread(path)[..., :3]
    distinct_colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(distinct_colours) > 50  # lines, bands, text: not a blank or one-colour picture
    not_white = np.any(pixels < 0.97, axis=-1).mean()
    assert not_white > 0.15  # the bands and lines cover a good part of it


def test_chart_of_an_slo_without_evaluations_still_renders(tmp_path: Path) -> None:
    series = [_series("checkout-availability", 0.8, 0.7), BudgetSeries("brand-new", [])]

    path = _write(tmp_path, render_budget_chart(series, start=START, end=END, zone=ZONE, title="Budgets"))

    assert _png_size(path) >= (800, 400)


def test_chart_with_no_slos_at_all_says_no_evaluations_yet_in_a_valid_png(tmp_path: Path) -> None:
    png = render_budget_chart([], start=START, end=END, zone=ZoneInfo("America/New_York"), title="Budgets")
    path = _write(tmp_path, png, "empty.png")

    width, height = _png_size(path)
    assert width >= 800 and height >= 400
    assert imread(path).shape[:2] == (height, width)


def test_a_dollar_sign_in_the_title_is_printed_not_typeset_as_maths(tmp_path: Path) -> None:
    png = render_budget_chart([], start=START, end=END, zone=ZONE, title="$cost$ budgets ^_^")

    assert _png_size(_write(tmp_path, png)) >= (800, 400)


def test_chart_of_forty_slos_grows_taller_instead_of_squeezing_the_plot(tmp_path: Path) -> None:
    series = [_series(f"slo-{i}", 1.0, 1.0 - i / 20, points=50) for i in range(40)]

    width, height = _png_size(_write(tmp_path, render_budget_chart(series, start=START, end=END, zone=ZONE, title="")))

    assert width >= 800 and height > 600


def test_sparkline_draws_a_rising_series_from_lowest_to_highest_bar() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == BARS


def test_sparkline_of_a_long_history_is_at_most_24_bars() -> None:
    line = sparkline([i / 2000 for i in range(2000)])

    assert len(line) == 24
    assert line[0] == "▁" and line[-1] == "█"
    assert list(line) == sorted(line)


def test_sparkline_of_a_flat_series_is_a_row_of_mid_bars() -> None:
    assert sparkline([0.42] * 100) == "▄" * 24
    assert sparkline([0.42]) == "▄"


def test_sparkline_of_nothing_is_empty_and_ignores_gaps() -> None:
    assert sparkline([]) == ""
    assert sparkline([float("nan"), 1.0, 2.0]) == "▁█"


def test_sparkline_shows_an_overspent_dip() -> None:
    line = sparkline([0.5, 0.2, -0.3, 0.0])

    assert line == "█▅▁▄"

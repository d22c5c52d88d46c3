"""`oncall-bot report` as an operator runs it: the console script reads the hand-computed November
(tests/integration/test_report_figures.py) from the database, on both backends, in every format, and each
format says what the others say.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

from bot.reports.tables import tables
from storage.engine import Database
from tests.e2e.test_oncall_command_line import cli
from tests.integration.test_report_figures import CONFIG, november, store_the_month

NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


class Cells(HTMLParser):
    """Every table cell of a page, by table id, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None


async def test_every_format_agrees_with_the_hand_computed_month(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    await store_the_month(database)
    config = tmp_path / "oncall.yml"
    config.write_text(CONFIG)
    expected = {table.key: table for table in tables(await november(database))}

    code, out, err = await cli("report", *NOVEMBER, "--format", "json", database_url=database_url, config=config)
    assert code == 0, err
    data = json.loads(out)
    assert data["period"]["start"] == "2026-10-31T23:00:00+00:00"
    assert data["totals"]["opened"] == 4
    assert data["totals"]["time_to_acknowledge"] == {"count": 4, "p50_seconds": 600, "p90_seconds": 3600}
    assert data["totals"]["time_to_resolve"] == {"count": 4, "p50_seconds": 7200, "p90_seconds": 21600}
    assert data["by_severity"]["SEV2"]["resolved"] == 3
    assert data["previous"]["totals"]["time_to_acknowledge"]["p50_seconds"] == 1200
    assert data["postmortems"]["drafted_late"] == 1
    assert [row["name"] for row in data["oncall_load"]] == ["Bob", "Ana", "Cat"]
    assert data["oncall_load"][0]["sleep"] == 2
    assert "Secret" not in out

    code, out, err = await cli("report", *NOVEMBER, "--format", "csv", database_url=database_url, config=config)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    for key, table in expected.items():
        assert [row[1:] for row in rows if row[0] == key] == [list(table.headers), *map(list, table.rows)]

    code, out, err = await cli("report", *NOVEMBER, "--format", "html", database_url=database_url, config=config)
    assert code == 0, err
    page = Cells()
    page.feed(out)
    for key, table in expected.items():
        assert page.tables[key] == [list(table.headers), *map(list, table.rows)]
    assert "Secret" not in out

    code, out, err = await cli("report", *NOVEMBER, database_url=database_url, config=config)
    assert code == 0, err
    load = expected["load"].rows
    assert f"| {' | '.join(load[0])} |" in out  # Bob: 4 pages, 2 off hours, 2 sleep hours, 360 hours on call
    assert load[0] == ("Bob", "America/New_York", "4", "0", "2", "2", "360")


async def test_a_bad_period_is_one_line(database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "oncall.yml"
    config.write_text(CONFIG)
    code, out, err = await cli("report", "--period", "2w", database_url=database_url, config=config)
    assert (code, out) == (2, "")
    assert err == (
        "oncall-bot: `2w` is not a report period: use 7d, 30d or 90d, or a from/to pair of dates (like 2026-11-01).\n"
    )
    code, _, err = await cli(
        "report", "--from", "2026-11-31", "--to", "2026-12-01", database_url=database_url, config=config
    )
    assert err == "oncall-bot: --from '2026-11-31' is not a date: write it as YYYY-MM-DD, like 2026-11-01.\n"

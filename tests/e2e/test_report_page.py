"""The report's web page, in headless Chromium: the same cells as the command line, the chart drawn, no
private title, and it fits a phone and a desktop; closed to whoever has not signed in. Both backends.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.clock import utcnow
from bot.config.schema import parse_config
from bot.reports.period import last
from bot.reports.service import Reports
from bot.reports.tables import tables
from tests.e2e.conftest import StartBot
from tests.e2e.test_oncall_command_line import cli
from tests.e2e.test_web_pages import WEB_TOKEN, get
from tests.e2e.test_web_pages_layout import WIDTHS, chromium
from tests.integration.test_report_figures import CONFIG, store_the_month

CELLS = (
    "Object.fromEntries([...document.querySelectorAll('table[id]')].map(t => [t.id,"
    " [...t.querySelectorAll('tr')].map(r => [...r.children].map(c => c.textContent))]))"
)


async def test_the_report_page_shows_what_the_command_line_shows(
    start_bot: StartBot, database_url: str, tmp_path: Path
) -> None:
    workspace = await start_bot(CONFIG, sign_in=True, web_token=WEB_TOKEN)
    await store_the_month(workspace.database)
    status, body, _ = await get(workspace, "/reports?period=90d")
    assert status == 401 and "Incident 1" not in body
    status, body, _ = await get(workspace, "/reports?period=2w", Authorization=f"Bearer {WEB_TOKEN}")
    assert status == 400 and "is not a report period" in body

    report = await Reports(workspace.database, parse_config(CONFIG)).report(last("90d", now=utcnow()), now=utcnow())
    expected = {table.key: [list(table.headers), *map(list, table.rows)] for table in tables(report) if table.rows}
    base = str(workspace.server.make_url("/")).rstrip("/")
    async with chromium(tmp_path / "profile") as devtools:
        for width in WIDTHS:
            tab = await devtools.tab(width)
            assert await tab.open(f"{base}/auth/slack") == f"{base}/"
            await tab.click("header a[href='/reports']")
            await tab.click("a[href='/reports?period=90d']")
            await tab.fits(width)
            assert await tab.value(CELLS) == expected
            assert await tab.value("document.querySelector('img.chart').naturalWidth") >= 800
            assert "Secret" not in await tab.text()

    config = tmp_path / "oncall.yml"
    code, out, err = await cli(
        "report", "--period", "90d", "--format", "json", database_url=database_url, config=config
    )
    assert code == 0, err
    data = json.loads(out)
    assert expected["incidents"][1][1:3] == [str(data["totals"]["opened"]), str(data["totals"]["resolved"])]
    listed = [row[0] for row in expected["incident_list"][1:]]
    assert listed == [f"INC-{line['number']}" for line in data["incidents"]]

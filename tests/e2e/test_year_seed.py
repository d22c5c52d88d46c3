"""The year-sized benchmark database (bench/year) is one the bot serves: seeded small, on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bench.databases import fetch
from bench.year.shape import SLOS, Year, now_rounded
from tests.e2e.conftest import StartBot
from tests.e2e.fresh_database import seeded_year

SCALE = 0.01
WEB_TOKEN = "year-web-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {WEB_TOKEN}"}
CONFIG = "slos:\n" + "".join(
    f"  - name: {name}\n    service: {service}\n    objective: 99.9%\n    window: 28d\n    source: {{type: events}}\n"
    for name, service in SLOS
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Replaces the suite's empty database: a year, scaled down, seeded into a new one."""
    async with seeded_year(request.param, tmp_path_factory.mktemp("year"), scale=SCALE) as url:
        yield url


async def test_a_seeded_year_has_the_shape_asked_for(database_url: str) -> None:
    year = Year(scale=SCALE, end=now_rounded())
    counts = {
        table: (await fetch(database_url, f"SELECT count(*) FROM {table}"))[0][0]
        for table in ("incidents", "timeline_entries", "alerts", "alert_groups", "slo_evaluations", "follow_ups")
    }
    assert counts["incidents"] == year.incidents
    assert counts["timeline_entries"] == year.timeline_entries
    assert counts["alerts"] == year.alerts and counts["alert_groups"] == year.alerts // year.alerts_per_group
    assert counts["slo_evaluations"] >= year.slo_evaluations - len(SLOS) and counts["follow_ups"] > 0
    [(open_count, private)] = await fetch(
        database_url,
        "SELECT count(*) FILTER (WHERE status NOT IN ('resolved', 'closed')), count(*) FILTER (WHERE is_private) "
        "FROM incidents",
    )
    assert 0 < open_count < year.incidents // 10 and private > 0
    [(big,)] = await fetch(
        database_url, f"SELECT count(*) FROM timeline_entries WHERE incident_id = {year.big_incident}"
    )
    assert big == year.big_entries


async def test_the_bot_serves_a_seeded_year(start_bot: StartBot, database_url: str) -> None:
    year = Year(scale=SCALE, end=now_rounded())
    workspace = await start_bot(CONFIG, web_token=WEB_TOKEN)
    titles = [row[0] for row in await fetch(
        database_url, "SELECT title FROM incidents WHERE status NOT IN ('resolved', 'closed') AND NOT is_private"
    )]  # fmt: skip

    listed = (await workspace.command("list"))["text"]
    assert "Open incidents" in listed and all(title in listed for title in titles), listed

    [(shown,)] = await fetch(
        database_url,
        f"SELECT count(*) FROM timeline_entries WHERE incident_id = {year.big_incident} AND NOT is_deleted",
    )
    timeline = (await workspace.command(f"timeline INC-{year.big_incident}"))["text"]
    assert f"*INC-{year.big_incident} timeline* (last 20 of {shown:,})" in timeline, timeline[:300]

    page = await workspace.client.get(f"/incidents/INC-{year.big_incident}", headers=BEARER)
    text = await page.text()
    assert page.status == 200 and "error rate on pod-" in text, text[:500]

    index = await workspace.client.get("/", headers=BEARER)
    assert index.status == 200 and f"INC-{year.incidents}" in await index.text()

    slo = await workspace.client.get(f"/slos/{SLOS[0][0]}", headers=BEARER)
    assert slo.status == 200 and SLOS[0][0] in await slo.text()

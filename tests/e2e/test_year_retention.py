"""A seeded year (bench/year, scaled down) under retention with the documented defaults, on each backend: it
shrinks, keeps every incident, timeline entry and follow-up, and its SLO charts still have points."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bench.databases import fetch
from bench.year.retention import shrink
from bot.config.retention import RetentionConfig
from tests.e2e.fresh_database import seeded_year

SCALE = 0.01
SHRINKING = ("processed_events", "outbox", "slo_events", "alerts", "alert_groups")


@pytest.fixture(params=["sqlite", "postgresql"])
async def year_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with seeded_year(request.param, tmp_path_factory.mktemp("year"), scale=SCALE) as url:
        yield url


async def test_a_seeded_year_shrinks_under_the_default_retention_and_keeps_every_incident(year_url: str) -> None:
    now = datetime.now(UTC)
    identities = "SELECT count(*), coalesce(sum(id), 0) FROM {}"
    kept_before = {
        table: await fetch(year_url, identities.format(table))
        for table in ("incidents", "timeline_entries", "follow_ups")
    }

    shrunk = await shrink(year_url, now=now)

    assert shrunk.after.total < shrunk.before.total, (shrunk.before.total, shrunk.after.total)
    for table in SHRINKING:
        (rows_before, size_before), (rows_after, size_after) = shrunk.before.tables[table], shrunk.after.tables[table]
        assert 0 < rows_after < rows_before, (table, rows_before, rows_after)
        assert size_before is not None and size_after is not None and size_after < size_before, table
    for table, before in kept_before.items():
        assert await fetch(year_url, identities.format(table)) == before, table
    assert shrunk.kept and all(after > 0 for _, after in shrunk.chart_points.values()), shrunk.chart_points
    # Shrunk to the horizons: what is left is what the defaults keep.
    defaults = RetentionConfig()
    assert defaults.processed_events is not None and defaults.outbox is not None
    [(oldest_claim,)] = await fetch(year_url, "SELECT min(received_at) FROM processed_events")
    [(oldest_done,)] = await fetch(year_url, "SELECT min(done_at) FROM outbox WHERE state = 'done'")
    assert _utc(oldest_claim) >= now - defaults.processed_events and _utc(oldest_done) >= now - defaults.outbox
    # A backlog of a year takes many ticks, each a bounded number of short batches.
    assert shrunk.ticks > 1 and shrunk.deleted.batches <= shrunk.ticks * defaults.batches_per_tick


def _utc(value: object) -> datetime:
    # SQLite hands the text back through a plain connection, PostgreSQL an aware datetime.
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

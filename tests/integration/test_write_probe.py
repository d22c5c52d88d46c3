"""The write probe behind /readyz: probes at the same moment (load balancers, replicas) all succeed."""

from __future__ import annotations

import asyncio

from storage.engine import Database


async def test_forty_probes_at_once_all_succeed(database: Database) -> None:
    # A delete-then-insert probe failed here on PostgreSQL: the second transaction's insert met the
    # first's new row (a unique violation), so readiness flapped to "storage is failing".
    results = await asyncio.gather(*(database.probe_write(within=30) for _ in range(40)), return_exceptions=True)
    assert [result for result in results if result is not None] == []

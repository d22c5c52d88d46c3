"""A replica's retention, run as its own process so that a test can SIGKILL it: `python retention_child.py URL`.

Each batch waits a moment inside its transaction, after the alerts and groups are deleted and before the commit,
and a moment between batches, so that a kill lands inside a batch as well as between two.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from bot.config.schema import parse_config
from bot.retention.service import Retention
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.queries import retention as queries
from tests.integration.retention_seed import NOW

BATCH = 10
_delete_empty_rollups = queries._delete_empty_rollups


async def _slowly(*args: Any) -> int:
    print("inside a batch", flush=True)  # the test waits for this before it kills
    await asyncio.sleep(0.2)
    return await _delete_empty_rollups(*args)


async def main(url: str) -> None:
    queries._delete_empty_rollups = _slowly  # type: ignore[assignment]
    database = Database(url)
    config = parse_config(f"retention:\n  batch_size: {BATCH}\n  batches_per_tick: 1\n").retention
    retention = Retention(config, unit_of_work(database))
    while True:
        await retention.tick(NOW)
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

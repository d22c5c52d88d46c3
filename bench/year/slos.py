"""A year of SLO evaluations (the bot's own, one per SLO every few minutes) and the people Slack named."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from bench.year.shape import PEOPLE, SLOS, Year, person
from bot.slo.math import BURN_WINDOWS, WHOLE_WINDOW

Row = dict[str, Any]
OBJECTIVE = 0.999
WINDOW_SECONDS = 28 * 86400


def evaluation_rows(year: Year) -> Iterator[Row]:
    rng = year.random("slos")
    each = year.slo_evaluations // len(SLOS)
    step = timedelta(days=365) / each
    evaluation_id = 0
    for name, service in SLOS:
        for number in range(each):
            evaluation_id += 1
            at = year.start + step * (number + 1)
            # Mostly healthy, with a bad week now and then: attainment dips under the objective.
            dip = 0.002 * max(0.0, math.sin(number / 900)) ** 8
            attainment = 1 - rng.uniform(0, 0.0008) - dip
            remaining = 1 - (1 - attainment) / (1 - OBJECTIVE)
            rates = {window: round(rng.uniform(0, 2) + dip * 1000, 3) for window in [*BURN_WINDOWS, WHOLE_WINDOW]}
            fast = rates["1h"] > 14.4 and rates["5m"] > 14.4
            status = "FAIL" if remaining < 0 else "AT_RISK" if remaining < 0.25 or fast else "PASS"
            total = rng.uniform(2e7, 3e7)
            yield {
                "id": evaluation_id,
                "slo": name,
                "service": service,
                "at": at,
                "objective": OBJECTIVE,
                "window_seconds": WINDOW_SECONDS,
                "good": total * attainment,
                "total": total,
                "attainment": attainment,
                "budget_remaining": remaining,
                "burn_rates": rates,
                "fast_burn": fast,
                "fast_burn_since": at if fast else None,
                "status": status,
                "error": None,
            }


# Where the organisation's people are, as users.info tells the bot (the reports' on-call load reads it).
ZONES = ("Europe/Madrid", "America/New_York", "Asia/Kolkata", "UTC")


def user_rows(year: Year) -> Iterator[Row]:
    for number in range(PEOPLE):
        fetched = year.end - timedelta(days=1)
        yield {
            "id": person(number),
            "name": f"person{number:03d}",
            "tz": ZONES[number % len(ZONES)],
            "fetched_at": fetched,
        }

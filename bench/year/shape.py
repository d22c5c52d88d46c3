"""How big a year is: the issue's figures for a 200-person organisation, times `scale`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Bump when the rows change: a cached seeded file of another version is seeded again.
SEEDER_VERSION = 4  # 3: people have time zones (users.info); 4: processed ids, done outbox, pushed SLO counts
PEOPLE = 200
SERVICES = (
    "checkout", "search", "login", "payments", "catalog", "cart", "shipping", "email", "images", "api",
    "billing", "ledger", "recommendations", "reviews", "inventory", "pricing", "notifications", "ads",
)  # fmt: skip
TEAMS = ("platform", "payments", "storefront", "data", "identity", "growth", "infra", "mobile")
SLOS = (("checkout-availability", "checkout"), ("search-availability", "search"), ("login-availability", "login"))
# The incident the 10,000-entry benchmarks open: a SEV1 in the middle of the year, always this number.
BIG_INCIDENT = 2_500
BIG_ENTRIES = 10_000


@dataclass(frozen=True)
class Year:
    """The counts of one seeded year, and the moment it ends (the bot's "now" when it is seeded)."""

    scale: float
    end: datetime
    seed: int = 2026

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=365)

    def _scaled(self, count: int, least: int) -> int:
        return max(least, round(count * self.scale))

    @property
    def incidents(self) -> int:
        return self._scaled(5_000, 40)

    @property
    def timeline_entries(self) -> int:
        return self._scaled(2_000_000, self.incidents * 20)

    @property
    def alerts(self) -> int:
        return self._scaled(500_000, 1_000)

    @property
    def alerts_per_group(self) -> int:
        return 10

    @property
    def slo_evaluations(self) -> int:
        return self._scaled(100_000, 300)

    @property
    def big_incident(self) -> int:
        """The number of the incident with the longest timeline (BIG_ENTRIES at full scale)."""
        return min(BIG_INCIDENT, self.incidents // 2)

    @property
    def big_entries(self) -> int:
        return self._scaled(BIG_ENTRIES, 100)

    def random(self, part: str) -> random.Random:
        """Each part of the year its own reproducible stream: changing one leaves the others as they were."""
        return random.Random(f"{self.seed}-{part}")


def person(number: int) -> str:
    return f"U0YEAR{number % PEOPLE:03d}"


def now_rounded() -> datetime:
    """The end of a year seeded now, to the hour."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

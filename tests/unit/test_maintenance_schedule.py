"""A scheduled window's occurrence is on from each cron time for its duration, in the configured zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.schema import parse_config
from bot.maintenance.schedule import current_end, current_start

MADRID = ZoneInfo("Europe/Madrid")
CONFIG = parse_config(
    "timezone: Europe/Madrid\n"
    "maintenance:\n  - {name: nightly-db, cron: '0 2 * * *', duration: 1h, matchers: [team=db]}\n"
)
(WINDOW,) = CONFIG.maintenance
TWO_AM = datetime(2026, 12, 4, 2, 0, tzinfo=MADRID)


def test_an_occurrence_covers_its_start_up_to_its_end() -> None:
    assert current_start(WINDOW, CONFIG.zone, now=TWO_AM) == TWO_AM
    assert current_start(WINDOW, CONFIG.zone, now=TWO_AM + timedelta(minutes=59)) == TWO_AM
    assert current_end(WINDOW, TWO_AM) == TWO_AM + timedelta(hours=1)


def test_between_occurrences_none_is_on() -> None:
    assert current_start(WINDOW, CONFIG.zone, now=TWO_AM - timedelta(seconds=1)) is None
    assert current_start(WINDOW, CONFIG.zone, now=TWO_AM + timedelta(hours=1)) is None


def test_the_cron_is_read_in_the_configured_zone() -> None:
    # 02:00 in Madrid is 01:00 UTC in winter
    assert current_start(WINDOW, CONFIG.zone, now=datetime(2026, 12, 4, 1, 30, tzinfo=UTC)) == TWO_AM

"""Alertmanager's Watchdog: an alert that always fires, so that its absence shows the alerting pipeline is down.

It is a heartbeat, not a problem: ingestion takes it out of every delivery before anything is stored or
posted, and a firing one beats the heartbeat `watchdog.heartbeat` names (bot/heartbeats/service.py).
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.models import AlertIn, AlertStatus
from bot.outbox import Outbox

# The alertname kube-prometheus and most Prometheus setups give their always-firing rule.
WATCHDOG_ALERTNAME = "Watchdog"
ALERTMANAGER = "alertmanager"


def is_watchdog(alert: AlertIn) -> bool:
    return alert.source == ALERTMANAGER and alert.labels.get("alertname") == WATCHDOG_ALERTNAME


def beats(alerts: list[AlertIn]) -> bool:
    """Whether the Watchdog alerts count as a beat: one still firing does (a resolved one means it stopped)."""
    return any(alert.status is AlertStatus.FIRING for alert in alerts)


class WatchdogBeats(Protocol):
    """What ingestion asks of heartbeats (bot/heartbeats, which imports alerts, so alerts names only this)."""

    async def watchdog_beat(self, session: AsyncSession, outbox: Outbox) -> None: ...

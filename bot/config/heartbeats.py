"""The `heartbeats:` and `watchdog:` sections of ONCALL_CONFIG, checked key by key.

bot/config/schema.py adds them as `heartbeats: HeartbeatsConfig` and `watchdog: WatchdogConfig | None`, and
calls `check_watchdog` so that a watchdog naming no heartbeat stops the bot with one line.
docs/alert-actions.md ("Heartbeats") documents them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from bot.values.fields import Duration, Strict

# A heartbeat's name is the last part of its URL (/webhooks/heartbeat/<name>) and is typed in /alert.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


def _positive(timeout: timedelta) -> timedelta:
    if timeout <= timedelta():
        raise ValueError("must be a positive duration, like 10m")
    return timeout


class HeartbeatConfig(Strict):
    """Something that must check in at least once per `timeout`, or an alert is raised for it."""

    name: str
    timeout: Annotated[Duration, AfterValidator(_positive)]
    # The raised alert's severity, as a source would send it: alerts.severity (or a route's) maps it.
    severity: str = "critical"
    # Added to the raised alert's labels (with heartbeat=<name>), so routes can match them.
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _url_name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"{name[:80]!r} is not a heartbeat name: letters, digits, '.', '-' and '_' (it is part of a URL)"
            )
        return name


class WatchdogConfig(Strict):
    """Alertmanager's always-firing Watchdog alert beats this heartbeat."""

    heartbeat: str


def _unique(heartbeats: list[HeartbeatConfig]) -> list[HeartbeatConfig]:
    seen: set[str] = set()
    for heartbeat in heartbeats:
        if heartbeat.name in seen:
            raise ValueError(f"two heartbeats are named {heartbeat.name!r}; names must be unique")
        seen.add(heartbeat.name)
    return heartbeats


HeartbeatsConfig = Annotated[list[HeartbeatConfig], AfterValidator(_unique)]


def check_watchdog(heartbeats: list[HeartbeatConfig], watchdog: WatchdogConfig | None) -> None:
    """Raise ValueError, naming the fix, when the watchdog beats a heartbeat that is not configured."""
    if watchdog is None or any(heartbeat.name == watchdog.heartbeat for heartbeat in heartbeats):
        return
    known = ", ".join(heartbeat.name for heartbeat in heartbeats) or "none are configured"
    raise ValueError(
        f"watchdog.heartbeat {watchdog.heartbeat!r} is not a heartbeat (heartbeats: {known}): "
        "add it under heartbeats, or fix the name"
    )

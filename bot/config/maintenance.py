"""The `maintenance:` section of ONCALL_CONFIG: scheduled maintenance windows, checked key by key.

bot/config/schema.py adds it as `maintenance: MaintenanceConfig`. Each window starts at every time its cron
names (in the configured time zone) and lasts `duration`; alerts its matchers match are held meanwhile.
docs/alert-actions.md ("Maintenance windows") documents it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.alertmanager.matchers import parse_matcher
from bot.errors import UsageError
from bot.values.crontab import cron_trigger, next_run
from bot.values.durations import format_duration
from bot.values.fields import Duration, Strict, unique_names

# A window's name keys its occurrences with their start, and people read it in announcements.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
# As silences: a window that outlives a month is a forgotten one.
LONGEST = timedelta(days=30)
# Starts looked at for the shortest gap between two: enough for any weekly rhythm, quick at start-up.
SAMPLED_STARTS = 60


def _window_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name[:80]!r} is not a window name: use letters, digits, '.', '-' and '_'")
    return name


def _window_length(duration: timedelta) -> timedelta:
    if duration <= timedelta():
        raise ValueError("must be a positive duration, like 2h")
    if duration > LONGEST:
        raise ValueError("is longer than 30d, the longest a maintenance window may last")
    return duration


class MaintenanceWindowConfig(Strict):
    """A window that recurs: from each time `cron` names, for `duration`, alerts `matchers` match are held."""

    name: Annotated[str, AfterValidator(_window_name)]
    cron: str  # five fields, in the configured timezone
    duration: Annotated[Duration, AfterValidator(_window_length)]
    # As typed after `/alert silence`: label=value, label!=value, label=~regex, label!~regex
    matchers: list[str] = Field(min_length=1)
    reason: str = ""
    # Also make an Alertmanager silence for each occurrence (expired if the window is ended early).
    mirror_silence: bool = False

    @field_validator("cron")
    @classmethod
    def _cron(cls, cron: str) -> str:
        cron_trigger(cron, ZoneInfo("UTC"))  # the syntax does not depend on the zone; ValueError names the fix
        return cron

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, matchers: list[str]) -> list[str]:
        for token in matchers:
            try:
                parse_matcher(token)
            except UsageError as exc:
                raise ValueError(str(exc).splitlines()[0]) from None  # the /alert usage does not apply here
        return matchers

    @model_validator(mode="after")
    def _occurrences_do_not_overlap(self) -> MaintenanceWindowConfig:
        """Each occurrence must end before the next starts: otherwise a window would start again, nearly over,
        each time one ended (the tick starts the earliest occurrence that still covers now)."""
        at = datetime(2027, 1, 1, tzinfo=UTC)  # any date: SAMPLED_STARTS starts show the shortest gap
        for _ in range(SAMPLED_STARTS):
            start = next_run(self.cron, ZoneInfo("UTC"), after=at)
            following = next_run(self.cron, ZoneInfo("UTC"), after=start) if start is not None else None
            if start is None or following is None:
                break
            if following - start < self.duration:
                gap, lasts = format_duration(following - start), format_duration(self.duration)
                raise ValueError(
                    f"cron {self.cron!r} starts it again {gap} after a start, before its {lasts}"
                    " are over: make the duration shorter or the cron less frequent"
                )
            at = start
        return self

    def alertmanager_matchers(self) -> list[dict[str, Any]]:
        return [parse_matcher(token) for token in self.matchers]


MaintenanceConfig = Annotated[list[MaintenanceWindowConfig], AfterValidator(unique_names("maintenance windows"))]


def check_mirrors(windows: list[MaintenanceWindowConfig], alertmanagers: list[str]) -> None:
    """Raise ValueError, naming the fix, when a window mirrors a silence and no Alertmanager is configured."""
    for index, window in enumerate(windows):
        if window.mirror_silence and not alertmanagers:
            raise ValueError(
                f"maintenance[{index}].mirror_silence: no Alertmanager is configured to make the silence in:"
                " add one under alertmanagers, or drop mirror_silence"
            )

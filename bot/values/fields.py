"""Building blocks of ONCALL_CONFIG's schema, shared by bot/config/schema.py and the domains it configures.

Outside bot/config so that a domain defining its own section (bot/schedules/config.py) imports no config.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from bot.values.durations import format_duration, parse_duration


class Strict(BaseModel):
    """A config section: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(str(value))


# Written back as it is typed (`1w`, not ISO's `P7D`), so a stored definition reads back as a config does.
Duration = Annotated[timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, when_used="json")]

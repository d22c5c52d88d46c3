"""Building blocks of ONCALL_CONFIG's schema, shared by bot/config/schema.py and the domains it configures.

Outside bot/config so that a domain defining its own section (bot/schedules/config.py) imports no config.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

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


def known_zone(name: str) -> str:
    """An IANA time zone's name, or ValueError naming the fix."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (like Europe/Madrid)") from None
    return name


ZoneName = Annotated[str, AfterValidator(known_zone)]


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)


def unique_names(kind: str) -> Callable[[list[_N]], list[_N]]:
    """An AfterValidator refusing two entries of a list whose names differ only in case."""

    def check(entries: list[_N]) -> list[_N]:
        seen: set[str] = set()
        for entry in entries:
            if entry.name.lower() in seen:
                raise ValueError(f"two {kind} are named {entry.name!r}; names must be unique (case aside)")
            seen.add(entry.name.lower())
        return entries

    return check

"""The `schedules:` section of ONCALL_CONFIG, checked key by key, and the Schedule models it stands for.

bot/config/schema.py adds it as `schedules: SchedulesConfig = Field(default_factory=list)`; a bad entry then
stops the bot with one line naming the key, e.g. `schedules[0].layers[1].rotation '0h' is not a positive
duration`. docs/schedules.md documents every key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from bot.schedules.models import WEEKDAYS, CalendarLayer, Layer, NoShifts, Restriction, Schedule, ShiftSource
from bot.values.fields import Duration, Strict

_DAY_NAMES = {name: index for index, name in enumerate(WEEKDAYS)} | {
    full: index
    for index, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CHANNEL = re.compile(r"#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,}")
_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
_CLOCK = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def _person(value: str) -> str:
    if not (_USER_ID.fullmatch(value) or _EMAIL.fullmatch(value)):
        raise ValueError(f"{value!r} is neither a Slack user id (like U024BE7LH) nor an e-mail address")
    return value


def _location(value: str) -> str:
    """An `ical:` location: an http(s) URL (fetched by the poller, bot/schedules/calendars.py) or a file path."""
    location = value.strip()
    scheme = _SCHEME.match(location)
    if not location:
        raise ValueError("is empty: write a calendar's URL (https://…) or file path")
    if scheme is None:
        return location
    name = scheme.group(1).lower()
    if name == "webcal":  # what calendar apps write for a subscription; it is fetched as https
        raise ValueError(f"{location[:80]!r}: write https:// instead of webcal:// (the same calendar over HTTPS)")
    if name not in ("http", "https"):
        raise ValueError(
            f"{location[:80]!r} is not a calendar location: an http(s) URL, or a file path without {name}://"
        )
    if not location[scheme.end() :].split("/", 1)[0]:
        raise ValueError(f"{location[:80]!r} names no host: write it like https://calendar.example.com/team.ics")
    return location


def _day(value: Any) -> int:
    index = _DAY_NAMES.get(str(value).strip().lower())
    if index is None:
        raise ValueError(f"{value!r} is not a day: write mon, tue, wed, thu, fri, sat or sun")
    return index


def _clock(value: Any) -> str:
    # YAML 1.1 reads an unquoted 17:00 as the number 1020 (base 60): say so instead of "not a time".
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f'{value} is not a time of day: quote it, like "17:00" (YAML reads 17:00 as a number)')
    text = str(value).strip()
    match = _CLOCK.fullmatch(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f'{text!r} is not a time of day like "09:00" (24-hour clock; "24:00" ends a day)')
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _start(value: Any) -> datetime:
    """A start as written: `2026-12-07T09:00` (wall time of the schedule's zone) or with an offset."""
    if isinstance(value, datetime):  # YAML turns 2026-12-07T09:00:00 (with seconds) into one itself
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{str(value)[:80]!r} is not a start time like 2026-12-07T09:00") from None


Person = Annotated[str, AfterValidator(_person)]
Day = Annotated[int, BeforeValidator(_day)]
Clock = Annotated[str, BeforeValidator(_clock)]
Start = Annotated[datetime, BeforeValidator(_start)]
Location = Annotated[str, AfterValidator(_location)]


class RestrictionConfig(Strict):
    """`{days: [mon, …], from: "09:00", to: "17:00"}`: a window on each listed day; a `to` at or before
    `from` ends the next day ("22:00" to "06:00" is overnight), and "00:00" to "24:00" is the whole day."""

    days: list[Day]
    from_: Clock = Field(alias="from")
    to: Clock

    @field_validator("days")
    @classmethod
    def _some_day(cls, days: list[int]) -> list[int]:
        if not days:
            raise ValueError("is empty: list the days the window opens on (mon, tue, wed, thu, fri, sat, sun)")
        return days

    @model_validator(mode="after")
    def _not_empty(self) -> RestrictionConfig:
        if self.from_ == "24:00":
            raise ValueError('from "24:00" is the end of a day: a window starts at "00:00" to "23:59"')
        if self.from_ == self.to:
            raise ValueError(
                f'from and to are both "{self.to}": a window needs two different times ("00:00" to "24:00" for a day)'
            )
        return self

    def to_restriction(self) -> Restriction:
        return Restriction(frozenset(self.days), time.fromisoformat(self.from_), _end(self.to))


def _end(clock: str) -> time:
    # "24:00" is the next midnight; a window whose end is at or before its start ends the next day.
    return time() if clock == "24:00" else time.fromisoformat(clock)


class LayerConfig(Strict):
    """A rotation (users, start, rotation) or a calendar (`ical:` a file path or URL), with optional restrictions."""

    name: str = Field(min_length=1)
    users: list[Person] | None = None
    start: Start | None = None
    rotation: Duration | None = None
    restrictions: list[RestrictionConfig] = Field(default_factory=list)
    ical: Location | None = None

    @model_validator(mode="after")
    def _rotation_or_calendar(self) -> LayerConfig:
        rotation = {"users": self.users, "start": self.start, "rotation": self.rotation}
        if self.ical is not None:
            if named := [key for key, value in rotation.items() if value is not None]:
                raise ValueError(f"reads its shifts from ical: remove {', '.join(named)} (or remove ical)")
            return self
        if self.users == []:
            raise ValueError("users is empty: name at least one person (a Slack user id or an e-mail address)")
        if missing := [key for key, value in rotation.items() if value is None]:
            raise ValueError(f"needs {', '.join(missing)} (or ical: a calendar's path or URL)")
        return self

    def to_layer(self, zone: ZoneInfo, calendars: Mapping[str, ShiftSource]) -> Layer | CalendarLayer:
        restrictions = tuple(restriction.to_restriction() for restriction in self.restrictions)
        if self.ical is not None:
            return CalendarLayer(self.name, calendars.get(self.ical, NoShifts()), restrictions)
        assert self.users and self.start is not None and self.rotation is not None  # checked above
        start = self.start if self.start.tzinfo is None else self.start.astimezone(zone).replace(tzinfo=None)
        return Layer(self.name, tuple(self.users), start, self.rotation, restrictions)


class ScheduleConfig(Strict):
    name: str
    # IANA name; None: the config's top-level `timezone`.
    timezone: str | None = None
    channel: str | None = None
    usergroup: str | None = None
    notify_before: Duration | None = None
    layers: list[LayerConfig] = Field(default_factory=list)
    # A whole schedule kept in a calendar: its one layer.
    ical: Location | None = None
    # Services this schedule answers for: an alert with one of them as its `service` label, through a route
    # that names no `oncall:`, invites whoever is on call here.
    services: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _short_name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a schedule name: letters, digits, - and _ (it is typed in /oncall)")
        return name

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone (like Europe/Madrid)") from None
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, channel: str | None) -> str | None:
        if channel is not None and not _CHANNEL.fullmatch(channel):
            raise ValueError(f"{channel!r} must be a channel name with # (like #payments-oncall) or a channel id")
        return channel

    @field_validator("usergroup")
    @classmethod
    def _handle(cls, handle: str | None) -> str | None:
        if handle is None:
            return None
        bare = handle.removeprefix("@")
        if not _HANDLE.fullmatch(bare):
            raise ValueError(f"{handle!r} is not a user group handle (lower case, like payments-oncall)")
        return bare

    @model_validator(mode="after")
    def _layers(self) -> ScheduleConfig:
        if bool(self.layers) == (self.ical is not None):
            raise ValueError("needs layers, or ical (a calendar's path or URL) for the whole schedule, not both")
        names = [layer.name for layer in self.layers]
        if duplicated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"two layers are named {duplicated[0]!r}; layer names must be unique in a schedule")
        return self

    def to_schedule(self, default_zone: ZoneInfo, calendars: Mapping[str, ShiftSource] | None = None) -> Schedule:
        """The model; `calendars` maps each `ical:` location to its fetched shifts (missing: empty until fetched)."""
        zone = ZoneInfo(self.timezone) if self.timezone else default_zone
        fetched = calendars or {}
        if self.ical is not None:
            layers: tuple[Layer | CalendarLayer, ...] = (CalendarLayer(self.name, fetched.get(self.ical, NoShifts())),)
        else:
            layers = tuple(layer.to_layer(zone, fetched) for layer in self.layers)
        return Schedule(self.name, zone, layers, self.channel, self.usergroup, self.notify_before)

    def ical_locations(self) -> list[str]:
        """Every calendar this schedule reads (for the poller to fetch)."""
        return [self.ical] if self.ical else [layer.ical for layer in self.layers if layer.ical]


def _unique_names(schedules: list[ScheduleConfig]) -> list[ScheduleConfig]:
    seen: set[str] = set()
    answering: dict[str, str] = {}
    for schedule in schedules:
        if schedule.name.lower() in seen:
            raise ValueError(f"two schedules are named {schedule.name!r}; names must be unique (case aside)")
        seen.add(schedule.name.lower())
        for service in schedule.services:
            if (other := answering.setdefault(service, schedule.name)) != schedule.name:
                raise ValueError(f"the service {service!r} is in {other} and {schedule.name}: one schedule answers it")
    return schedules


SchedulesConfig = Annotated[list[ScheduleConfig], AfterValidator(_unique_names)]
"""The `schedules:` list, its names unique (case aside: `/oncall who Payments` finds `payments`)."""

"""The `schedules:` section as operators write it: the issue's example loads, each mistake gets one line."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import Field, ValidationError

from bot.schedules.config import SchedulesConfig
from bot.schedules.models import CalendarLayer, Layer, NoShifts, Restriction, Schedule, Shift
from bot.schedules.resolver import on_call
from bot.values.fields import Strict
from tests.docs_blocks import REPO, YAML, blocks

UTC_ZONE = ZoneInfo("UTC")
MADRID = ZoneInfo("Europe/Madrid")
EXAMPLE = """
schedules:
  - name: payments
    timezone: Europe/Madrid
    channel: "#payments-oncall"      # hand-off posts
    usergroup: payments-oncall        # handle of a Slack user group kept equal to who is on call
    notify_before: 1h                 # DM before a person's shift starts
    layers:
      - name: primary
        users: [U0ALICE, bob@example.com, U0CAROL]
        start: 2026-12-07T09:00
        rotation: 1w
      - name: business-hours
        users: [U0DAVE]
        start: 2026-12-07T09:00
        rotation: 1w
        restrictions: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]
"""


class _Config(Strict):
    # The section as bot/config/schema.py is to hold it.
    schedules: SchedulesConfig = Field(default_factory=list)


def load(text: str, zone: ZoneInfo = UTC_ZONE) -> list[Schedule]:
    return [entry.to_schedule(zone) for entry in _Config.model_validate(yaml.safe_load(text)).schedules]


def error_line(data: Any) -> str:
    """The line the config loader prints (bot/config/schema.py's `location reason`)."""
    with pytest.raises(ValidationError) as caught:
        _Config.model_validate(data)
    error = caught.value.errors()[0]
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    return f"{where} {str(error['msg']).removeprefix('Value error, ')}"


def test_the_issues_example_loads_into_the_model() -> None:
    [payments] = load(EXAMPLE)

    assert payments == Schedule(
        "payments",
        MADRID,
        (
            Layer("primary", ("U0ALICE", "bob@example.com", "U0CAROL"), datetime(2026, 12, 7, 9), timedelta(weeks=1)),
            Layer(
                "business-hours",
                ("U0DAVE",),
                datetime(2026, 12, 7, 9),
                timedelta(weeks=1),
                (Restriction(frozenset(range(5)), time(9), time(17)),),
            ),
        ),
        channel="#payments-oncall",
        usergroup="payments-oncall",
        notify_before=timedelta(hours=1),
    )
    tuesday_noon = datetime(2026, 12, 8, 12, tzinfo=MADRID)
    assert on_call(payments, [], tuesday_noon).people == ("U0DAVE",)


def _example() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXAMPLE)
    return loaded


def _with(change: dict[str, Any], *, layer: int | None = None) -> dict[str, Any]:
    data = _example()
    target = data["schedules"][0] if layer is None else data["schedules"][0]["layers"][layer]
    for key, value in change.items():
        if value is None:
            target.pop(key)
        else:
            target[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (
            _with({"timezone": "Europe/Madird"}),
            "schedules[0].timezone 'Europe/Madird' is not an IANA time zone (like Europe/Madrid)",
        ),
        (_with({"rotation": "0h"}, layer=0), "schedules[0].layers[0].rotation '0h' is not a positive duration"),
        (_with({"rotation": "weekly"}, layer=0), "schedules[0].layers[0].rotation 'weekly' is not a duration"),
        (_with({"users": []}, layer=0), "schedules[0].layers[0] users is empty: name at least one person"),
        (_with({"users": ["bob"]}, layer=0), "schedules[0].layers[0].users[0] 'bob' is neither a Slack user id"),
        (_with({"start": None}, layer=0), "schedules[0].layers[0] needs start (or ical: a calendar's path or URL)"),
        (_with({"start": "next monday"}, layer=0), "schedules[0].layers[0].start 'next monday' is not a start time"),
        (
            _with({"restrictions": [{"days": ["mon"], "from": "09:00", "to": "09:00"}]}, layer=1),
            'schedules[0].layers[1].restrictions[0] from and to are both "09:00"',
        ),
        (
            _with({"restrictions": [{"days": ["mon", "fry"], "from": "09:00", "to": "17:00"}]}, layer=1),
            "schedules[0].layers[1].restrictions[0].days[1] 'fry' is not a day: write mon, tue, wed, thu, fri",
        ),
        (
            _with({"restrictions": [{"days": [], "from": "09:00", "to": "17:00"}]}, layer=1),
            "schedules[0].layers[1].restrictions[0].days is empty: list the days the window opens on",
        ),
        (
            _with({"restrictions": [{"days": ["mon"], "from": "09:00", "to": 1020}]}, layer=1),
            'schedules[0].layers[1].restrictions[0].to 1020 is not a time of day: quote it, like "17:00"',
        ),
        (
            _with({"restrictions": [{"days": ["mon"], "from": "9am", "to": "17:00"}]}, layer=1),
            "schedules[0].layers[1].restrictions[0].from '9am' is not a time of day like \"09:00\"",
        ),
        (
            _with({"restrictions": [{"days": ["mon"], "from": "09:00", "until": "17:00"}]}, layer=1),
            "schedules[0].layers[1].restrictions[0].to Field required",
        ),
        (_with({"ical": "oncall.ics"}, layer=0), "schedules[0].layers[0] reads its shifts from ical: remove users"),
        (_with({"layers": None}), "schedules[0] needs layers, or ical (a calendar's path or URL)"),
        (_with({"name": "primary"}, layer=1), "schedules[0] two layers are named 'primary'"),
        (_with({"name": "pay ments"}), "schedules[0].name 'pay ments' is not a schedule name"),
        (_with({"channel": "payments"}), "schedules[0].channel 'payments' must be a channel name with #"),
        (_with({"usergroup": "Payments On Call"}), "schedules[0].usergroup 'Payments On Call' is not a user group"),
        (_with({"notify_before": "-1h"}), "schedules[0].notify_before '-1h' is not a duration"),
        (
            {"schedules": [_example()["schedules"][0], {**_example()["schedules"][0], "name": "Payments"}]},
            "schedules two schedules are named 'Payments'; names must be unique",
        ),
    ],
)
def test_each_mistake_gets_one_line_naming_the_key(data: dict[str, Any], line: str) -> None:
    assert error_line(data).startswith(line)


def test_unknown_keys_are_mistakes_too() -> None:
    assert (
        error_line(_with({"rotaton": "1w"}, layer=0)) == "schedules[0].layers[0].rotaton Extra inputs are not permitted"
    )


def test_overnight_and_whole_day_windows_and_days_as_people_write_them() -> None:
    data = _with(
        {
            "restrictions": [
                {"days": ["Friday", "SAT"], "from": "22:00", "to": "06:00"},
                {"days": ["sun"], "from": "00:00", "to": "24:00"},
            ]
        },
        layer=1,
    )
    [payments] = [entry.to_schedule(UTC_ZONE) for entry in _Config.model_validate(data).schedules]

    layer = payments.layers[1]
    assert isinstance(layer, Layer)
    assert layer.restrictions == (
        Restriction(frozenset({4, 5}), time(22), time(6)),
        Restriction(frozenset({6}), time(0), time(0)),  # an end at its start: the whole day
    )
    sunday = datetime(2026, 12, 13, 23, 59, tzinfo=MADRID)
    assert on_call(payments, [], sunday).people == ("U0DAVE",)


def test_a_start_with_an_offset_is_read_in_the_schedules_zone_and_the_zone_defaults_to_the_configs() -> None:
    data = _with({"timezone": None})
    data["schedules"][0]["layers"][0]["start"] = "2026-12-07T08:00:00+00:00"

    [payments] = [entry.to_schedule(MADRID) for entry in _Config.model_validate(data).schedules]

    assert payments.zone == MADRID
    layer = payments.layers[0]
    assert isinstance(layer, Layer) and layer.start == datetime(2026, 12, 7, 9)


def test_a_calendar_layer_or_a_whole_calendar_schedule_reads_the_fetched_shifts() -> None:
    monday = datetime(2026, 12, 7, 9, tzinfo=MADRID)
    fetched = [Shift(monday, monday + timedelta(days=1), ("U0ERIN",))]

    class Fetched:
        def between(self, start: datetime, end: datetime) -> list[Shift]:
            return fetched

    data = {"schedules": [{"name": "db", "timezone": "Europe/Madrid", "ical": "https://example.com/db.ics"}]}
    [entry] = _Config.model_validate(data).schedules
    assert entry.ical_locations() == ["https://example.com/db.ics"]

    [before] = load(yaml.safe_dump(data))
    assert before.layers == (CalendarLayer("db", NoShifts()),)  # not fetched yet: nobody, rather than an error
    after = entry.to_schedule(MADRID, {"https://example.com/db.ics": Fetched()})
    assert on_call(after, [], monday).people == ("U0ERIN",)


def test_the_yaml_of_docs_schedules_md_loads() -> None:
    page = REPO / "docs" / "schedules.md"
    found = [block for block in blocks(*YAML, path=page) if "schedules:" in block.text]
    assert found, "docs/schedules.md shows the schedules: section"
    for block in found:
        loaded = load(block.text, MADRID)
        assert loaded, block.where

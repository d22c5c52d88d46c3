"""Each layer on its own (what a timeline draws a row per layer from), computed by hand."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.schedules.models import Layer, Override, Restriction, Schedule
from bot.schedules.resolver import layer_shifts, shifts
from tests.unit.schedules.test_schedule_resolver import MADRID, WEEKDAYS, at, local

DAY = timedelta(days=1)


def test_each_layer_shows_when_it_is_held_before_the_layers_above_it_win() -> None:
    primary = Layer("primary", ("A", "B"), datetime(2026, 12, 7, 9), DAY)
    business = Layer(
        "business-hours", ("D",), datetime(2026, 12, 7, 9), DAY, (Restriction(WEEKDAYS, time(9), time(17)),)
    )
    payments = Schedule("payments", MADRID, (primary, business))
    override = Override(("G",), at("2026-12-08T12:00"), at("2026-12-08T13:00"))

    rows = layer_shifts(payments, at("2026-12-07T00:00"), at("2026-12-09T00:00"))

    # Before its start a layer is empty, and its empty stretches are left out rather than shown as gaps.
    assert local(rows[0]) == [("Mon 07 09:00", "Tue 08 09:00", "A"), ("Tue 08 09:00", "Wed 09 00:00", "B")]
    # One person's turns touching each other are one block; restriction gaps split them.
    assert local(rows[1]) == [("Mon 07 09:00", "Mon 07 17:00", "D"), ("Tue 08 09:00", "Tue 08 17:00", "D")]
    # Overrides are no layer's (they have their own row); the resolved shifts put it all together.
    resolved = local(shifts(payments, [override], at("2026-12-08T09:00"), at("2026-12-08T18:00")))
    assert resolved == [
        ("Tue 08 09:00", "Tue 08 12:00", "D"),
        ("Tue 08 12:00", "Tue 08 13:00", "G"),
        ("Tue 08 13:00", "Tue 08 17:00", "D"),
        ("Tue 08 17:00", "Tue 08 18:00", "B"),
    ]


def test_an_empty_window_has_an_empty_row_per_layer() -> None:
    primary = Layer("primary", ("A",), datetime(2026, 12, 7, 9), DAY)
    assert layer_shifts(Schedule("p", MADRID, (primary, primary)), at("2026-12-08T00:00"), at("2026-12-08T00:00")) == [
        [],
        [],
    ]

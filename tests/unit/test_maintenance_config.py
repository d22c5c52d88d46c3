"""`maintenance:` in ONCALL_CONFIG: a mistake stops the bot with one line naming the key and the fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.schema import parse_config
from tests.helpers import config_refusal

refusal = config_refusal


def test_a_good_window_keeps_its_cron_duration_and_matchers() -> None:
    config = parse_config(
        "alertmanagers: [{name: main, url: 'http://alertmanager:9093'}]\n"
        "maintenance:\n"
        "  - {name: nightly-db, cron: '0 2 * * *', duration: 1h, matchers: [team=db, 'instance=~db-.*'],\n"
        "     reason: backups, mirror_silence: true}\n"
    )
    (window,) = config.maintenance
    assert window.duration == timedelta(hours=1) and window.mirror_silence and window.reason == "backups"
    assert window.alertmanager_matchers() == [
        {"name": "team", "value": "db", "isRegex": False, "isEqual": True},
        {"name": "instance", "value": "db-.*", "isRegex": True, "isEqual": True},
    ]
    assert parse_config("{}").maintenance == []


def test_a_bad_cron_is_refused_naming_the_key() -> None:
    line = refusal("maintenance:\n  - {name: w, cron: '0 2 * *', duration: 1h, matchers: [team=db]}\n")
    assert line.startswith("ONCALL_CONFIG: maintenance[0].cron ")
    assert "five fields" in line and "\n" not in line


@pytest.mark.parametrize(("duration", "why"), [("0s", "positive"), ("31d", "longer than 30d")])
def test_a_duration_that_is_not_positive_or_too_long_is_refused(duration: str, why: str) -> None:
    line = refusal(f"maintenance:\n  - {{name: w, cron: '0 2 * * *', duration: {duration}, matchers: [team=db]}}\n")
    assert line.startswith("ONCALL_CONFIG: maintenance[0].duration ") and why in line


def test_a_window_without_matchers_or_with_a_bad_one_is_refused() -> None:
    line = refusal("maintenance:\n  - {name: w, cron: '0 2 * * *', duration: 1h, matchers: []}\n")
    assert line.startswith("ONCALL_CONFIG: maintenance[0].matchers ")
    line = refusal("maintenance:\n  - {name: w, cron: '0 2 * * *', duration: 1h, matchers: [team]}\n")
    assert line.startswith("ONCALL_CONFIG: maintenance[0].matchers ") and "\n" not in line


def test_two_windows_with_one_name_are_refused() -> None:
    window = "{name: w, cron: '0 2 * * *', duration: 1h, matchers: [team=db]}"
    assert "two maintenance windows are named 'w'" in refusal(f"maintenance: [{window}, {window}]\n")


def test_a_name_with_spaces_is_refused() -> None:
    line = refusal("maintenance:\n  - {name: 'a b', cron: '0 2 * * *', duration: 1h, matchers: [team=db]}\n")
    assert line.endswith("'a b' is not a window name: use letters, digits, '.', '-' and '_'")


def test_a_mirrored_silence_without_an_alertmanager_is_refused() -> None:
    line = refusal(
        "maintenance:\n  - {name: w, cron: '0 2 * * *', duration: 1h, matchers: [a=b], mirror_silence: true}\n"
    )
    assert "maintenance[0].mirror_silence: no Alertmanager is configured" in line and "\n" not in line


def test_a_cron_that_starts_again_before_the_duration_is_over_is_refused() -> None:
    line = refusal("maintenance:\n  - {name: w, cron: '*/30 * * * *', duration: 1h, matchers: [a=b]}\n")
    assert line.startswith("ONCALL_CONFIG: maintenance[0] cron '*/30 * * * *' starts it again 30m after a start")
    assert "\n" not in line
    parse_config("maintenance:\n  - {name: w, cron: '0 2 * * MON,TUE', duration: 1d, matchers: [a=b]}\n")

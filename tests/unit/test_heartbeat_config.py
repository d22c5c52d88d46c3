"""`heartbeats:` and `watchdog:` in ONCALL_CONFIG: a mistake stops the bot with one line naming the key and the fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.schema import parse_config
from tests.helpers import config_refusal

refusal = config_refusal


def test_a_good_section_keeps_its_timeouts_labels_and_watchdog() -> None:
    config = parse_config(
        "heartbeats:\n"
        "  - {name: nightly-backup, timeout: 26h, labels: {team: storage}}\n"
        "  - {name: alertmanager, timeout: 5m, severity: warning}\n"
        "watchdog: {heartbeat: alertmanager}\n"
    )
    backup = config.heartbeat("nightly-backup")
    assert backup is not None and backup.timeout == timedelta(hours=26) and backup.severity == "critical"
    assert backup.labels == {"team": "storage"}
    assert config.watchdog is not None and config.watchdog.heartbeat == "alertmanager"
    assert config.heartbeat("missing") is None


def test_a_watchdog_naming_no_heartbeat_is_refused() -> None:
    line = refusal("heartbeats:\n  - {name: backup, timeout: 1h}\nwatchdog: {heartbeat: alertmanger}\n")
    assert "watchdog.heartbeat 'alertmanger' is not a heartbeat (heartbeats: backup)" in line
    assert "add it under heartbeats, or fix the name" in line
    line = refusal("watchdog: {heartbeat: alertmanager}\n")
    assert "'alertmanager' is not a heartbeat (heartbeats: none are configured)" in line


@pytest.mark.parametrize("timeout", ["0s", "-5m"])
def test_a_timeout_that_is_not_positive_is_refused(timeout: str) -> None:
    line = refusal(f"heartbeats:\n  - {{name: backup, timeout: {timeout}}}\n")
    assert line.startswith("ONCALL_CONFIG: heartbeats[0].timeout ")


def test_zero_timeout_says_why() -> None:
    assert refusal("heartbeats:\n  - {name: backup, timeout: 0s}\n").endswith("'0s' is not a positive duration")


@pytest.mark.parametrize("name", ["has space", "a/b", "-leading", ""])
def test_a_name_that_cannot_be_part_of_a_url_is_refused(name: str) -> None:
    line = refusal(f"heartbeats:\n  - {{name: '{name}', timeout: 5m}}\n")
    assert line.startswith("ONCALL_CONFIG: heartbeats[0].name ")
    assert "is not a heartbeat name: letters, digits, '.', '-' and '_' (it is part of a URL)" in line


def test_two_heartbeats_of_one_name_are_refused() -> None:
    line = refusal("heartbeats:\n  - {name: backup, timeout: 5m}\n  - {name: backup, timeout: 1h}\n")
    assert "two heartbeats are named 'backup'; names must be unique" in line

"""Maintenance windows match labels as Alertmanager does, with the matchers `/alert silence` parses."""

from __future__ import annotations

import pytest

from bot.alertmanager.matchers import parse_matcher
from bot.maintenance.matching import matches

LABELS = {"alertname": "DiskFull", "severity": "critical", "instance": "db-1:9100"}


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["severity=critical"], True),
        (["severity=warning"], False),
        (["severity!=warning"], True),
        (["instance=~db-.*"], True),
        (["instance=~db"], False),  # regexes match the whole value, as in Alertmanager
        (["instance!~web-.*", "alertname=DiskFull"], True),
        (["team="], True),  # a missing label is the empty string
        (["team!="], False),
        ([], False),  # no matchers holds nothing
    ],
)
def test_matchers_select_labels_as_alertmanager_does(tokens: list[str], expected: bool) -> None:
    assert matches([parse_matcher(token) for token in tokens], LABELS) is expected

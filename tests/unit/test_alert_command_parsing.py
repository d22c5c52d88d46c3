"""`/alert silence <duration> [matchers …] [-- comment]`: how its words are read."""

from __future__ import annotations

import pytest

from bot.alertmanager.matchers import common_labels, parse_matcher
from bot.errors import UsageError
from handlers.slack.alert_command import parse_silence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", ("2h", [], "")),
        ("2h env=prod job=~api.* -- deploy of 4.2", ("2h", ["env=prod", "job=~api.*"], "deploy of 4.2")),
        ("30m env=prod — Slack's dash", ("30m", ["env=prod"], "Slack's dash")),
        ("", ("", [], "")),
        ("-- only a comment", ("", [], "only a comment")),
    ],
)
def test_silence_words(text: str, expected: tuple[str, list[str], str]) -> None:
    assert parse_silence(text) == expected


def test_each_operator_is_alertmanagers_matcher() -> None:
    assert parse_matcher("a=b") == {"name": "a", "value": "b", "isRegex": False, "isEqual": True}
    assert parse_matcher("a!=b") == {"name": "a", "value": "b", "isRegex": False, "isEqual": False}
    assert parse_matcher("a=~b.*") == {"name": "a", "value": "b.*", "isRegex": True, "isEqual": True}
    assert parse_matcher("a!~b") == {"name": "a", "value": "b", "isRegex": True, "isEqual": False}


@pytest.mark.parametrize(("token", "problem"), [("prod", "is not a matcher"), ("1x=y", "is not a label name")])
def test_a_wrong_matcher_is_one_line(token: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_matcher(token)


def test_common_labels_are_those_every_alert_shares() -> None:
    labels = [
        {"alertname": "Down", "instance": "a", "env": "prod"},
        {"alertname": "Down", "instance": "b", "env": "prod"},
    ]
    assert [m["name"] for m in common_labels(labels)] == ["alertname", "env"]
    assert common_labels([]) == []

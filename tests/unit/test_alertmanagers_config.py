"""`alertmanagers:` in ONCALL_CONFIG: a mistake stops the bot with one line naming the key and the fix."""

from __future__ import annotations

import pytest

from bot.alertmanager.silences import pick
from bot.config.schema import parse_config
from bot.errors import UserError
from tests.unit.test_paging_config import refusal


def test_alertmanagers_are_read_with_their_credentials() -> None:
    config = parse_config(
        "alertmanagers:\n"
        "  - {name: main, url: 'http://alertmanager:9093/', bearer_token: s3cret}\n"
        "  - {name: grafana, url: 'https://grafana.example.com/api/alertmanager/grafana',"
        " basic_auth: {username: bot, password: pw}}\n"
    )
    main = pick(config.alertmanagers)
    assert main.url == "http://alertmanager:9093" and main.bearer_token == "s3cret"
    grafana = pick(config.alertmanagers, "GRAFANA")
    assert grafana.basic_auth is not None and grafana.basic_auth.username == "bot"
    with pytest.raises(UserError, match="No Alertmanager is configured"):
        pick(parse_config("").alertmanagers)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- {name: main, url: 'alertmanager:9093'}", "is not an http(s) URL"),
        ("- {name: 'a b', url: 'http://am'}", "is not an Alertmanager name"),
        ("- {name: main, url: 'http://a'}\n  - {name: Main, url: 'http://b'}", "two alertmanagers are named"),
        ("- {name: main, url: 'http://a', bearer_token: t, basic_auth: {username: u, password: p}}", "not both"),
        ("- {name: main, url: 'http://a', token: t}", "alertmanagers[0].token is not a known setting"),
    ],
)
def test_a_wrong_alertmanager_is_one_line(text: str, expected: str) -> None:
    line = refusal("alertmanagers:\n  " + text + "\n")
    assert line.startswith("ONCALL_CONFIG: alertmanagers"), line
    assert expected in line

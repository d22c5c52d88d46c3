"""`oncall-bot manifest` creates the app in one step, either mode: valid against Slack's schema, and complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aiohttp import web

from bot.errors import UsageError
from bot.slack import manifest
from bot.slack.openid import SCOPES as SIGN_IN_SCOPES
from bot.slack.scopes import REQUIRED_SCOPES
from handlers.routes import register

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "slack" / "manifest.schema.2.0.0.json").read_text())
PUBLIC = "https://oncall.example.com"


def loaded(http_url: str | None = None, web_url: str | None = None) -> dict[str, Any]:
    data = yaml.safe_load(manifest.render(http_url, web_url))
    assert isinstance(data, dict)
    return data


def urls(data: dict[str, Any]) -> list[str]:
    settings = data["settings"]
    found = [command.get("url") for command in data["features"]["slash_commands"]]
    found += [settings["event_subscriptions"].get("request_url"), settings["interactivity"].get("request_url")]
    return [url for url in found if url is not None]


def test_manifest_yml_is_exactly_what_the_command_prints_for_socket_mode() -> None:
    assert (ROOT / "manifest.yml").read_text() == manifest.render()


@pytest.mark.parametrize("http_url", [None, PUBLIC], ids=["socket-mode", "http"])
def test_each_mode_is_valid_against_slacks_schema(http_url: str | None) -> None:
    jsonschema.validate(loaded(http_url), SCHEMA)


def test_socket_mode_has_no_request_urls_to_replace() -> None:
    data = loaded()
    assert data["settings"]["socket_mode_enabled"] is True
    assert urls(data) == []


@pytest.mark.parametrize("given", [PUBLIC, PUBLIC + "/", PUBLIC + "/slack/events"])
def test_http_mode_sends_every_request_to_the_bots_events_url(given: str) -> None:
    data = loaded(given)
    assert data["settings"]["socket_mode_enabled"] is False
    assert urls(data) == [f"{PUBLIC}/slack/events"] * 8  # six commands, events, interactivity


def test_an_address_behind_a_path_prefix_keeps_it() -> None:
    assert set(urls(loaded("https://tools.example.com/oncall"))) == {"https://tools.example.com/oncall/slack/events"}


@pytest.mark.parametrize("given", ["oncall.example.com", "ftp://oncall.example.com", "https://"])
def test_an_address_that_is_not_a_url_is_named(given: str) -> None:
    with pytest.raises(UsageError, match=rf"^--http '{given}' is not a URL: write the bot's public address"):
        manifest.render(given)


@pytest.mark.parametrize("http_url", [None, PUBLIC], ids=["socket-mode", "http"])
def test_manifest_declares_every_command_shortcut_and_event_the_bot_handles(http_url: str | None) -> None:
    data = loaded(http_url)
    features = data["features"]
    assert {command["command"] for command in features["slash_commands"]} == {
        "/incident",
        "/retro",
        "/slo",
        "/oncall",
        "/alert",
        "/report",
    }
    assert {shortcut["callback_id"] for shortcut in features["shortcuts"]} == {"followup", "add_to_timeline"}
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert events >= {"message.channels", "message.groups", "reaction_added", "pin_added", "member_joined_channel"}
    # One scope per Web API family the gateway calls, and no more: `oncall-bot doctor` checks the same list.
    assert data["oauth_config"]["scopes"]["bot"] == list(REQUIRED_SCOPES)


def test_each_scope_says_what_the_bot_uses_it_for() -> None:
    lines = manifest.render().splitlines()
    for scope, why in REQUIRED_SCOPES.items():
        assert any(line.split("#")[0].strip() == f"- {scope}" and line.endswith(f"# {why}") for line in lines)


@pytest.mark.parametrize(
    ("http_url", "web_url"), [(None, PUBLIC), (PUBLIC, None), (PUBLIC, PUBLIC + "/")], ids=["socket", "http", "both"]
)
def test_with_the_web_pages_address_people_can_sign_in_with_slack(http_url: str | None, web_url: str | None) -> None:
    data = loaded(http_url, web_url)
    jsonschema.validate(data, SCHEMA)
    oauth = data["oauth_config"]
    # the scopes the bot asks for on Slack's authorize page, and the one address Slack may send people back to
    assert oauth["scopes"]["user"] == list(SIGN_IN_SCOPES)
    [redirect] = oauth["redirect_urls"]
    assert redirect.startswith(PUBLIC + "/")
    app = web.Application()
    register(app)
    served = {route.resource.canonical for route in app.router.routes() if route.resource is not None}
    assert redirect.removeprefix(PUBLIC) in served  # the route the bot serves


def test_without_an_address_the_manifest_asks_for_no_user_scopes() -> None:
    assert "user" not in loaded()["oauth_config"]["scopes"]

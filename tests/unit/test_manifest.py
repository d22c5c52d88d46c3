"""manifest.yml creates the app in one step: valid against Slack's manifest schema, and complete."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.slack.openid import SCOPES as SIGN_IN_SCOPES
from bot.slack.scopes import REQUIRED_SCOPES
from handlers.web.sessions import SIGN_IN_PATH

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "tests" / "fixtures" / "slack" / "manifest.schema.2.0.0.json"


def manifest() -> dict[str, object]:
    loaded = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_manifest_is_valid_against_slacks_schema() -> None:
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


def test_manifest_declares_every_command_shortcut_and_event_the_bot_handles() -> None:
    features = manifest()["features"]
    assert isinstance(features, dict)
    assert {command["command"] for command in features["slash_commands"]} >= {"/incident", "/retro"}
    assert {shortcut["callback_id"] for shortcut in features["shortcuts"]} >= {"followup"}
    settings = manifest()["settings"]
    assert isinstance(settings, dict)
    events = set(settings["event_subscriptions"]["bot_events"])
    assert events >= {"message.channels", "message.groups", "reaction_added", "pin_added", "member_joined_channel"}
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])  # type: ignore[index]
    # One scope per Web API family the gateway calls, and no more: `oncall-bot doctor` checks the same list.
    assert scopes == set(REQUIRED_SCOPES)
    assert {command["command"] for command in features["slash_commands"]} >= {"/slo"}


def test_manifest_lets_people_sign_in_to_the_web_pages_with_slack() -> None:
    oauth = manifest()["oauth_config"]
    assert isinstance(oauth, dict)
    # the scopes the bot asks for on Slack's authorize page, and the one address Slack may send people back to
    assert oauth["scopes"]["user"] == list(SIGN_IN_SCOPES)
    [redirect] = oauth["redirect_urls"]
    assert redirect == f"https://oncall.example.com{SIGN_IN_PATH}/callback"  # the route the bot serves

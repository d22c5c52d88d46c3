"""The emulator's copy of Slack's method reference agrees with the reference itself."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from slack_emulator.web_api import HANDLERS

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "methods.json"


def test_every_emulated_method_exists_in_slacks_reference_with_the_same_required_arguments() -> None:
    reference = json.loads(REFERENCE.read_text())["methods"]
    ours = json.loads(resources.files("slack_emulator").joinpath("methods.json").read_text())["methods"]
    for method, spec in ours.items():
        assert method in reference, method
        required = sorted(name for name, arg in reference[method]["args"].items() if arg.get("required"))
        assert spec["required"] == required, method


def test_every_method_in_the_emulators_reference_has_a_handler() -> None:
    ours = json.loads(resources.files("slack_emulator").joinpath("methods.json").read_text())["methods"]
    handled = {*HANDLERS, "openid.connect.token", "openid.connect.userInfo"}
    assert handled == set(ours)

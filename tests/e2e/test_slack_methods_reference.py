"""Every Web API method the bot calls exists in Slack's reference, with its required arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Workspace

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "methods.json"


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, object]]:
    return json.loads(REFERENCE.read_text())["methods"]  # type: ignore[no-any-return]


# Which Slack methods a whole incident calls, and with what, does not depend on the database: one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_methods_called_in_a_whole_incident_are_real_with_required_arguments(
    workspace: Workspace, reference: dict[str, dict[str, dict[str, dict[str, bool]]]]
) -> None:
    channel = await workspace.declare("Reference check sev2")
    workspace.slack.add_channel("inc-2-second", creator=workspace.people.carol)
    await workspace.declare("Second")
    await workspace.command("declare")
    for text in (
        "status identified",
        "severity sev1",
        f"assign scribe <@{workspace.people.bob}>",
        "note n",
        "summary s",
        "impact i",
        "resolve",
    ):
        await workspace.command(text, channel=channel)
    await workspace.settle()

    called = {call.method: call.args for call in workspace.slack.calls}
    assert {"conversations.create", "chat.postMessage", "chat.update", "pins.add", "views.open"} <= set(called)
    for method, args in called.items():
        assert method in reference, f"{method} is not a Slack Web API method"
        required = {name for name, spec in reference[method]["args"].items() if spec.get("required")}
        missing = required - set(args) - {"token"}
        assert not missing, f"{method} called without {missing}"

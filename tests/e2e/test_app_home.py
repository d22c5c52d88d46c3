"""The App Home tab: open incidents with yours first, your follow-ups, and every SLO's status."""

from __future__ import annotations

import json
from typing import Any

from slack_emulator.blocks import view_errors
from tests.e2e.conftest import StartBot, Workspace

CONFIG = """
slos:
  - name: checkout-requests
    service: checkout
    objective: 99.9%
    source: {type: events}
"""


def home_text(workspace: Workspace, user: str) -> str:
    view = workspace.slack.home_view(user)
    assert view is not None, "no Home tab was published"
    return json.dumps(view["blocks"])


async def open_home(workspace: Workspace, user: str) -> dict[str, Any]:
    delivery = await workspace.slack.open_app_home(user=user)
    assert delivery.status == 200
    await workspace.settle()
    view = workspace.slack.home_view(user)
    assert view is not None
    return view


async def test_the_home_tab_lists_your_incidents_first_then_the_rest_and_your_follow_ups(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    people = workspace.people
    await workspace.declare("Search is slow sev1", user=people.alice)
    mine = await workspace.declare("Checkout is down sev3", user=people.bob)
    await workspace.command(f"followup add Add a retry budget <@{people.bob}> due:2026-01-05", channel=mine)
    await workspace.declare("Payroll data exposed --private sev2", user=people.carol)

    view = await open_home(workspace, people.bob)

    assert view_errors(view) == []
    text = json.dumps(view["blocks"])
    assert "Open incidents (2)" in text  # carol's private INC-3 does not exist for bob
    # bob's SEV3 comes before alice's SEV1, because it is his
    assert text.index("INC-2") < text.index("INC-1")
    assert "Checkout is down" in text and "*yours*" in text
    assert "INC-3" not in text and "Payroll" not in text
    assert "Add a retry budget" in text and "due 2026-01-05" in text and "days overdue" in text
    assert "checkout-requests" in text


async def test_the_home_tab_follows_what_changed_since_it_was_last_opened(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev2")
    assert "Checkout is down" in json.dumps((await open_home(workspace, workspace.people.alice))["blocks"])

    await workspace.command("resolve", channel=channel)
    view = await open_home(workspace, workspace.people.alice)

    text = json.dumps(view["blocks"])
    assert "No open incidents" in text and "Checkout is down" not in text
    publishes = workspace.slack.ok_calls_to("views.publish")
    assert len(publishes) == 2  # one per opening, replacing the tab

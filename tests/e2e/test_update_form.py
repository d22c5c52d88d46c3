"""`/incident update`: one form for status, severity and what changed, with the same rules as the commands."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from slack_emulator.blocks import view_errors
from storage.tables import Incident
from tests.e2e.conftest import People, StartBot, Workspace


def choices(status: str | None = None, severity: str | None = None, note: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if status:
        values["status"] = {"value": {"type": "static_select", "selected_option": {"value": status}}}
    if severity:
        values["severity"] = {"value": {"type": "static_select", "selected_option": {"value": severity}}}
    values["note"] = {"value": {"type": "plain_text_input", "value": note}}
    return values


async def incident(workspace: Workspace) -> Incident:
    async with workspace.database.transaction() as session:
        return (await session.exec(select(Incident))).one()


async def test_the_form_starts_from_where_the_incident_stands_and_applies_everything_at_once(
    workspace: Workspace,
) -> None:
    channel = await workspace.declare("Checkout is down sev3")
    await workspace.command("update", channel=channel)
    [view] = workspace.slack.open_views()
    form = view.view
    assert view_errors(form) == []
    assert form["title"]["text"] == "Update INC-1"
    status, severity, _ = form["blocks"]
    assert status["element"]["initial_option"]["value"] == "investigating"
    assert severity["element"]["initial_option"]["value"] == "SEV3"

    delivery = await workspace.slack.submit_view(
        user=workspace.people.alice, view_id=view.id, values=choices("monitoring", "SEV1", "Rolled back 4.2")
    )

    assert delivery.status == 200 and not delivery.json()
    await workspace.settle()
    updated = await incident(workspace)
    assert (updated.status, updated.severity) == ("monitoring", "SEV1")
    posts = "\n".join(workspace.posts(channel))
    assert "Rolled back 4.2" in posts and "SEV1" in posts


async def test_a_form_that_changes_nothing_says_so_in_the_form(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev3")
    await workspace.command("update", channel=channel)
    [view] = workspace.slack.open_views()

    delivery = await workspace.slack.submit_view(
        user=workspace.people.alice, view_id=view.id, values=choices("investigating", "SEV3", None)
    )

    assert delivery.json() == {
        "response_action": "errors",
        "errors": {"status": "Nothing changed: pick another status or severity, or write what changed."},
    }


async def test_the_form_obeys_the_same_permissions_as_the_commands(start_bot: StartBot) -> None:
    def limits(people: People) -> str:
        return f"permissions:\n  admins: [{people.carol}]\n  commander_only: [severity]\n"

    workspace = await start_bot(limits)
    channel = await workspace.declare("Checkout is down sev3")
    await workspace.command("update", channel=channel, user=workspace.people.bob)
    [view] = workspace.slack.open_views()

    delivery = await workspace.slack.submit_view(
        user=workspace.people.bob, view_id=view.id, values=choices("investigating", "SEV1", "worse")
    )

    assert delivery.json()["response_action"] == "errors"
    assert "may change the severity of it" in delivery.json()["errors"]["status"]
    assert (await incident(workspace)).severity == "SEV3"

"""The pinned summary's controls change the incident like the slash command does."""

from __future__ import annotations

from sqlmodel import select

from slack_emulator import Delivery
from storage.tables import Incident
from tests.e2e.conftest import Workspace


async def _incident(workspace: Workspace) -> Incident:
    async with workspace.database.transaction() as session:
        return (await session.exec(select(Incident))).one()


async def _summary_ts(workspace: Workspace, channel: str) -> str:
    [ts] = workspace.slack.pins(channel)
    return ts


async def _click(workspace: Workspace, channel: str, action_id: str, **choice: str) -> Delivery:
    return await workspace.slack.click_button(
        user=workspace.people.bob,
        channel=channel,
        message_ts=await _summary_ts(workspace, channel),
        action_id=action_id,
        block_id="incident_actions_1",
        **choice,
    )


async def test_status_menu_on_the_summary_sets_the_status(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    ts = await _summary_ts(workspace, channel)
    delivery = await _click(workspace, channel, "incident_status", selected_option="monitoring")
    assert delivery.status == 200
    await workspace.settle()
    assert (await _incident(workspace)).status == "monitoring"
    assert "Monitoring" in str(next(m for m in workspace.slack.messages(channel) if m.ts == ts).blocks)


async def test_severity_menu_and_resolve_button(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev3")
    await _click(workspace, channel, "incident_severity", selected_option="SEV1")
    await _click(workspace, channel, "incident_resolve", value="1")
    incident = await _incident(workspace)
    assert (incident.severity, incident.status) == ("SEV1", "resolved")


async def test_a_stale_button_explains_instead_of_failing(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command("resolve", channel=channel)
    delivery = await _click(workspace, channel, "incident_resolve", value="1")
    assert delivery.status == 200
    await workspace.slack.drain()
    assert workspace.slack.response_url_posts[-1]["text"] == "INC-1 is already resolved."


async def test_a_menu_choice_slack_never_offered_is_refused_in_one_line_and_changes_nothing(
    workspace: Workspace,
) -> None:
    channel = await workspace.declare("Checkout is down")
    for action_id, choice, refusal in (
        ("incident_status", "<!channel>", "`&lt;!channel&gt;` is not a status."),
        ("incident_severity", "sev9", "`sev9` is not a severity."),
    ):
        delivery = await _click(workspace, channel, action_id, selected_option=choice)
        assert delivery.status == 200
        await workspace.slack.drain()
        assert workspace.slack.response_url_posts[-1]["text"] == refusal
    incident = await _incident(workspace)
    assert (incident.status, incident.severity) == ("investigating", "SEV3")


async def test_a_button_naming_an_incident_number_no_incident_can_have_is_told_there_is_none(
    workspace: Workspace,
) -> None:
    channel = await workspace.declare("Checkout is down")
    huge = "9" * 5000  # more digits than int() converts, let alone PostgreSQL's integer
    delivery = await _click(workspace, channel, "incident_resolve", value=huge)
    assert delivery.status == 200
    await workspace.slack.drain()
    assert workspace.slack.response_url_posts[-1]["text"] == (
        f"There is no incident `{'9' * 40}`. See open ones with `/incident list`."
    )
    assert (await _incident(workspace)).status == "investigating"

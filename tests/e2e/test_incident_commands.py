"""Each /incident sub-command, from the incident channel or naming the incident, and its errors."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from storage.enums import RoleName
from storage.tables import Incident, OutboxEntry, Role, TimelineEntry
from tests.e2e.conftest import Workspace


async def _incident(workspace: Workspace) -> Incident:
    async with workspace.database.transaction() as session:
        return (await session.exec(select(Incident))).one()


async def _timeline(workspace: Workspace) -> list[tuple[str, str]]:
    async with workspace.database.transaction() as session:
        entries = (await session.exec(select(TimelineEntry).order_by(col(TimelineEntry.id)))).all()
    return [(entry.kind, entry.text) for entry in entries]


async def _stored_counts(workspace: Workspace) -> tuple[int, int]:
    async with workspace.database.transaction() as session:
        outbox = (await session.exec(select(func.count()).select_from(OutboxEntry))).one()
        timeline = (await session.exec(select(func.count()).select_from(TimelineEntry))).one()
    return outbox, timeline


async def test_status_change_in_the_channel_updates_summary_topic_and_announcement(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev2")
    reply = await workspace.command("status identified bad deploy of cart-service", channel=channel)
    assert reply["text"] == "INC-1 is now *identified*."
    await workspace.settle()
    slack = workspace.slack
    assert "Identified" in slack.channels[channel].topic
    [summary_ts] = slack.pins(channel)
    summary = next(m for m in slack.messages(channel) if m.ts == summary_ts)
    assert "Identified" in str(summary.blocks) and summary.edited
    assert any("*identified*: bad deploy of cart-service" in text for text in workspace.posts(channel))
    assert "identified" in slack.messages(workspace.incidents)[0].text
    incident = await _incident(workspace)
    assert incident.status == "identified" and incident.acknowledged_at is not None
    assert ("status", "investigating → identified: bad deploy of cart-service") in await _timeline(workspace)


async def test_status_from_another_channel_names_the_incident(workspace: Workspace) -> None:
    await workspace.declare("Checkout is down")
    reply = await workspace.command("status INC-1 monitoring", channel=workspace.general)
    assert reply["text"] == "INC-1 is now *monitoring*."
    assert (await _incident(workspace)).mitigated_at is not None


async def test_severity_change_is_announced(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev3")
    assert (await workspace.command("severity sev1", channel=channel))["text"] == "INC-1 is now *SEV1*."
    await workspace.settle()
    assert any("from SEV3 to *SEV1*" in text for text in workspace.posts(channel))
    assert "SEV1" in workspace.slack.channels[channel].topic
    assert "SEV1" in workspace.slack.messages(workspace.incidents)[0].text


async def test_assigning_a_commander_invites_them_and_shows_them_on_the_summary(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    bob = workspace.people.bob
    reply = await workspace.command(f"assign commander <@{bob}|bob>", channel=channel)
    assert reply["text"] == f"<@{bob}> is now the Commander of INC-1."
    await workspace.settle()
    assert bob in workspace.slack.channels[channel].members
    assert f"Commander: <@{bob}>" in workspace.slack.channels[channel].topic
    async with workspace.database.transaction() as session:
        roles = {role.role: role.user_id for role in (await session.exec(select(Role))).all()}
    assert roles[RoleName.COMMANDER] == bob


async def test_scribe_and_comms_roles(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command(f"assign scribe <@{workspace.people.carol}>", channel=channel)
    await workspace.command(f"assign comms <@{workspace.people.bob}>", channel=channel)
    await workspace.settle()
    [summary_ts] = workspace.slack.pins(channel)
    summary = str(next(m for m in workspace.slack.messages(channel) if m.ts == summary_ts).blocks)
    assert f"*Scribe*\\n<@{workspace.people.carol}>" in summary
    assert f"*Communications*\\n<@{workspace.people.bob}>" in summary


async def test_note_summary_and_impact_are_recorded(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command("note rolled back cart-service to v41", channel=channel)
    await workspace.command("summary Cart API returns 500 for EU users", channel=channel)
    await workspace.command("impact 30% of checkouts failed for 20 minutes", channel=channel)
    await workspace.settle()
    incident = await _incident(workspace)
    assert incident.summary == "Cart API returns 500 for EU users"
    assert incident.impact == "30% of checkouts failed for 20 minutes"
    timeline = await _timeline(workspace)
    assert ("note", "rolled back cart-service to v41") in timeline
    assert ("impact", "30% of checkouts failed for 20 minutes") in timeline
    assert workspace.slack.channels[channel].purpose == "Checkout is down — Cart API returns 500 for EU users"


async def test_resolve_reports_the_duration_and_removes_the_buttons(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    reply = await workspace.command("resolve fixed by rollback", channel=channel)
    assert reply["text"] == "INC-1 is resolved. :white_check_mark:"
    await workspace.settle()
    assert any("resolved *INC-1*: fixed by rollback. Time to resolve:" in text for text in workspace.posts(channel))
    [summary_ts] = workspace.slack.pins(channel)
    summary = next(m for m in workspace.slack.messages(channel) if m.ts == summary_ts)
    assert not any(block["type"] == "actions" for block in summary.blocks)
    assert (await _incident(workspace)).resolved_at is not None


async def test_list_shows_open_incidents_most_severe_first_each_once_with_its_commander(workspace: Workspace) -> None:
    await workspace.declare("Minor glitch sev4")
    major = await workspace.declare("Major outage sev1")
    await workspace.declare("Slow search sev3")
    people = workspace.people
    for role, person in (("commander", people.bob), ("scribe", people.carol), ("comms", people.alice)):
        await workspace.command(f"assign {role} <@{person}>", channel=major)
    await workspace.command("resolve INC-1")
    reply = await workspace.command("list")
    lines = [line for line in reply["text"].splitlines() if line.startswith("•")]
    assert "*Open incidents* (2)" in reply["text"] and "INC-1" not in reply["text"]
    assert len(lines) == 2 and "*INC-2* SEV1" in lines[0] and "*INC-3* SEV3" in lines[1]
    assert f"commander <@{people.bob}>" in lines[0]


async def test_timeline_shows_the_latest_entries_ephemerally(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command("note <!channel> check the dashboards", channel=channel)
    reply = await workspace.command("timeline", channel=channel)
    assert reply["response_type"] == "ephemeral"
    assert "*INC-1 timeline*" in reply["text"] and "&lt;!channel&gt; check the dashboards" in reply["text"]


async def test_help_lists_every_subcommand(workspace: Workspace) -> None:
    text = (await workspace.command("help"))["text"]
    for word in ("declare", "status", "severity", "assign", "note", "summary", "impact", "resolve", "list", "timeline"):
        assert f"/incident {word}" in text


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("frobnicate", "`frobnicate` is not an /incident command. Try `/incident help`."),
        ("status sleeping", "`sleeping` is not a status.\nUsage: `/incident status"),
        ("status <!channel>", "`&lt;!channel&gt;` is not a status."),
        ("<!here>", "`&lt;!here&gt;` is not an /incident command."),
        ("severity sev9", "`sev9` is not a severity.\nUsage: `/incident severity"),
        ("assign boss <@U1>", "`boss` is not a role.\nUsage: `/incident assign"),
        ("assign commander bob", "Name one person with an @-mention.\nUsage: `/incident assign"),
        ("note", "The note is empty.\nUsage: `/incident note"),
        ("status INC-99 monitoring", "There is no incident INC-99."),
        ("resolve", "This channel is not an incident channel."),
    ],
)
async def test_bad_commands_get_usage_and_change_nothing(workspace: Workspace, text: str, answer: str) -> None:
    await workspace.declare("Checkout is down")
    before = await _stored_counts(workspace)
    reply = await workspace.command(text, channel=workspace.general)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(answer)
    assert await _stored_counts(workspace) == before
    assert (await _incident(workspace)).status == "investigating"


async def test_resolving_twice_is_refused(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command("resolve", channel=channel)
    reply = await workspace.command("resolve", channel=channel)
    assert reply["text"] == "INC-1 is already resolved."


async def test_a_resolved_incident_can_be_reopened(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down")
    await workspace.command("resolve", channel=channel)
    assert (await workspace.command("severity sev1", channel=channel))["text"].startswith("INC-1 is resolved. Reopen")
    await workspace.command("status investigating it is back", channel=channel)
    await workspace.settle()
    incident = await _incident(workspace)
    assert incident.status == "investigating" and incident.resolved_at is None
    assert any("reopened *INC-1*" in text for text in workspace.posts(channel))

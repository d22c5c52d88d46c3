"""`/incident declare --private`: a private channel, no announcement, and no title where others can read it."""

from __future__ import annotations

from sqlmodel import select

from storage.tables import Incident, TimelineEntry
from tests.e2e.conftest import StartBot, Workspace

CONFIG = """
slos:
  - name: payroll-uptime
    service: payroll
    objective: 99%
    source: {type: incidents}
"""


async def test_a_private_incident_gets_a_private_channel_and_no_announcement(workspace: Workspace) -> None:
    reply = await workspace.command("declare --private Payroll data exposed sev1")
    await workspace.settle()

    [channel] = workspace.incident_channels()
    assert channel.is_private
    assert channel.name == "inc-1-payroll-data-exposed"
    assert workspace.people.alice in channel.members
    assert workspace.posts(workspace.incidents) == []  # nothing in #incidents
    assert "Payroll data exposed" in reply["text"]  # only the declarer sees this reply
    async with workspace.database.transaction() as session:
        incident = (await session.exec(select(Incident))).one()
    assert incident.is_private and incident.title == "Payroll data exposed" and incident.severity == "SEV1"


async def test_its_timeline_is_recorded_but_others_see_no_title(workspace: Workspace) -> None:
    await workspace.command("declare --private Payroll data exposed sev1")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    await workspace.slack.post_message(user=workspace.people.alice, channel=channel.id, text="Rotating keys now")
    await workspace.settle()

    listed = await workspace.command("list", user=workspace.people.bob)

    assert "INC-1" in listed["text"] and "_private incident_" in listed["text"]
    assert "Payroll" not in listed["text"]
    async with workspace.database.transaction() as session:
        texts = [entry.text for entry in (await session.exec(select(TimelineEntry))).all()]
    assert "Rotating keys now" in texts


async def test_the_slo_digest_leaves_private_incidents_out(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    await workspace.command("declare --private Payroll data exposed sev1")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    await workspace.command("service payroll", channel=channel.id)
    await workspace.command("declare Payroll batch late sev2")
    await workspace.settle()
    public = next(c for c in workspace.incident_channels() if not c.is_private)
    await workspace.command("service payroll", channel=public.id)

    await workspace.command("digest", command="/slo", channel=workspace.general)
    await workspace.settle()

    [digest] = [m for m in workspace.slack.messages(workspace.general) if "SLO digest" in str(m.blocks)]
    assert "INC-2" in str(digest.blocks)
    assert "INC-1" not in str(digest.blocks) and "exposed" not in str(digest.blocks)

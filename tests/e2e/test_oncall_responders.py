"""Responders from schedules over HTTP against the emulator: alert routes and `/incident declare … oncall:` invite
whoever is on call then (overrides included), and App Home shows who is on call; on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from slack_emulator.blocks import view_errors
from storage.tables import Incident, OutboxEntry, TimelineEntry
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import People, StartBot, Workspace
from tests.e2e.test_app_home import open_home
from tests.e2e.test_oncall_commands import local, oncall, payments


def routed(people: People) -> str:
    """Payments alerts page the payments schedule (Alice now, then Bob) and always invite Bob."""
    return payments(
        people,
        extra=f"""alerts:
  routes:
    - match: {{service: payments}}
      oncall: payments
      responders: [{people.bob}]
""",
    )


async def payments_alert(workspace: Workspace) -> None:
    response = await workspace.webhook("alertmanager", am_group([am_alert("PaymentErrors", service="payments")]))
    assert response.status == 200
    assert (await response.json())["opened"] == ["INC-1"]
    await workspace.settle()


def welcome(workspace: Workspace, channel: str) -> str:
    [text] = [text for text in workspace.posts(channel) if text.startswith(":wave:")]
    return text


async def test_an_alert_through_a_route_with_oncall_invites_and_names_who_is_on_call(start_bot: StartBot) -> None:
    workspace = await start_bot(routed)
    alice, bob, carol = workspace.people.alice, workspace.people.bob, workspace.people.carol

    await payments_alert(workspace)

    [channel] = workspace.incident_channels()
    assert {alice, bob} <= channel.members and carol not in channel.members
    assert f"On call for *payments*: <@{alice}>." in welcome(workspace, channel.id)
    async with workspace.database.transaction() as session:
        entries = (await session.exec(select(TimelineEntry).where(TimelineEntry.kind == "responders"))).all()
    assert [entry.text for entry in entries] == [f"On call for *payments*: <@{alice}>."]
    # An alert no route sends to a schedule invites nobody from it.
    await workspace.webhook("alertmanager", am_group([am_alert("DiskFull", severity="critical")]))
    await workspace.settle()
    other = workspace.incident_channels()[1]
    assert alice not in other.members and "On call for" not in welcome(workspace, other.id)


async def test_an_alert_of_a_service_a_schedule_answers_for_invites_its_on_call_people(start_bot: StartBot) -> None:
    def config(people: People) -> str:
        channel = '    channel: "#payments-oncall"\n'
        return payments(people).replace(channel, channel + "    services: [refunds]\n", 1)

    workspace = await start_bot(config)
    await workspace.webhook("alertmanager", am_group([am_alert("RefundsStuck", service="refunds")]))
    await workspace.settle()

    [channel] = workspace.incident_channels()
    assert workspace.people.alice in channel.members
    assert f"On call for *payments*: <@{workspace.people.alice}>." in welcome(workspace, channel.id)


async def test_an_override_changes_who_an_alert_invites(start_bot: StartBot) -> None:
    workspace = await start_bot(routed)
    alice, carol = workspace.people.alice, workspace.people.carol
    later = local(datetime.now(UTC) + timedelta(hours=3))
    assert (await oncall(workspace, f"override payments <@{carol}> now {later}")).startswith("Override #1")

    await payments_alert(workspace)

    [channel] = workspace.incident_channels()
    assert carol in channel.members and alice not in channel.members
    assert f"On call for *payments*: <@{carol}>." in welcome(workspace, channel.id)


async def test_declare_with_oncall_invites_the_schedule_s_on_call_people(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    alice, bob, carol = workspace.people.alice, workspace.people.bob, workspace.people.carol

    reply = await workspace.command("declare Refunds fail sev2 oncall:Payments", user=bob)

    assert "*INC-1* declared: Refunds fail (SEV2)" in reply["text"]
    assert reply["text"].endswith(f"On call for *payments*: <@{alice}>.")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    assert channel.name == "inc-1-refunds-fail"
    assert {alice, bob} <= channel.members and carol not in channel.members
    assert f"On call for *payments*: <@{alice}>." in welcome(workspace, channel.id)
    async with workspace.database.transaction() as session:
        [incident] = (await session.exec(select(Incident))).all()
    assert (incident.title, incident.severity) == ("Refunds fail", "SEV2")

    # A schedule with nobody on call now is said so, and invites nobody.
    await workspace.command("declare Replica lag oncall:database", user=bob)
    await workspace.settle()
    lag = workspace.incident_channels()[1]
    assert lag.members - {workspace.slack.bot_user_id} == {bob}
    assert "Nobody is on call for *database* right now." in welcome(workspace, lag.id)


async def test_declare_naming_an_unknown_schedule_is_refused_and_declares_nothing(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)

    refused = await workspace.command("declare Refunds fail sev2 oncall:billing")
    assert refused["text"] == "There is no schedule `billing`. The schedules are: payments, database."
    empty = await workspace.command("declare Refunds fail oncall:")
    assert empty["text"].startswith("Name one schedule after `oncall:`, like `oncall:payments`.")
    twice = await workspace.command("declare Refunds fail oncall:payments oncall:database")
    assert twice["text"].startswith("Name one schedule after `oncall:`")
    await workspace.settle()

    assert workspace.incident_channels() == []
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(func.count()).select_from(Incident))).one() == 0
        assert (await session.exec(select(func.count()).select_from(OutboxEntry))).one() == 0


async def test_app_home_shows_who_is_on_call_now_and_the_viewer_s_next_shifts(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    alice, bob, carol = workspace.people.alice, workspace.people.bob, workspace.people.carol

    view = await open_home(workspace, bob)

    assert view_errors(view) == []
    text = json.dumps(view["blocks"])
    assert "On call now" in text and "Your next shifts" in text
    assert f"*payments* \\u2014 <@{alice}> on call until " in text and f"then <@{bob}>" in text
    assert "*database* \\u2014 nobody on call until " in text
    # Bob holds the daily rotation every third day: from tomorrow, five turns in the next 14 days.
    assert text.count("\\u2022 *payments* ") >= 4 and "*database*" not in text.split("Your next shifts")[1]

    # An override moves the shift to Carol: both tabs follow.
    later = local(datetime.now(UTC) + timedelta(hours=3))
    await oncall(workspace, f"override payments <@{carol}> now {later}")
    carols = json.dumps((await open_home(workspace, carol))["blocks"])
    assert f"*payments* \\u2014 <@{carol}> on call until " in carols
    mine = carols.split("Your next shifts")[1]
    # The override now, then her own turn in 46 hours (the DBA week starts in a month, past the 14 days).
    assert mine.count("\\u2022 *payments* ") >= 2 and "*database*" not in mine


async def test_app_home_has_no_on_call_sections_without_schedules(workspace: Workspace) -> None:
    text = json.dumps((await open_home(workspace, workspace.people.alice))["blocks"])
    assert "On call now" not in text and "Your next shifts" not in text

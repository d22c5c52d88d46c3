"""Who may do what: limits from ONCALL_CONFIG, refusals only the asker sees, nothing changed by a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.config.schema import load_config
from bot.errors import SettingsError
from storage.tables import Incident, Retro, Role
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import People, StartBot, Workspace


def limits(people: People) -> str:
    return f"""
permissions:
  admins: [{people.carol}]
  admin_usergroup: S0ONCALLADM
  commander_only: [resolve, close, severity]
  admin_only: [retro, slo_digest]
"""


async def incident(workspace: Workspace) -> Incident:
    async with workspace.database.transaction() as session:
        return (await session.exec(select(Incident))).one()


@pytest.fixture
async def limited(start_bot: StartBot) -> Workspace:
    workspace = await start_bot(limits)
    workspace.slack.add_usergroup("oncall-admins", usergroup_id="S0ONCALLADM")
    return workspace


async def test_only_the_commander_or_an_admin_may_resolve_or_change_severity(limited: Workspace) -> None:
    people = limited.people
    channel = await limited.declare("Checkout is down sev2")  # alice declares, so alice commands

    refused = await limited.command("resolve", user=people.bob, channel=channel)
    also_refused = await limited.command("severity sev1", user=people.bob, channel=channel)

    assert refused["response_type"] == "ephemeral"
    # it names who may, and suggests no way around itself
    assert (
        refused["text"]
        == f"Only the commander of INC-1 (<@{people.alice}>) or an admin may resolve it. Ask one of them."
    )
    assert "may change the severity of it" in also_refused["text"]
    await limited.settle()
    assert ((await incident(limited)).status, (await incident(limited)).severity) == ("investigating", "SEV2")
    assert not any("resolved" in text for text in limited.posts(channel))

    # anyone may still post status updates and notes
    assert (await limited.command("status identified", user=people.bob, channel=channel))["text"].endswith(
        "*identified*."
    )
    # an admin may, and so may the commander
    assert "SEV1" in (await limited.command("severity sev1", user=people.carol, channel=channel))["text"]
    assert "resolved" in (await limited.command("resolve", user=people.alice, channel=channel))["text"]
    assert (await incident(limited)).status == "resolved"


async def test_a_click_on_the_summarys_resolve_button_is_refused_to_others(limited: Workspace) -> None:
    channel = await limited.declare("Checkout is down sev2")
    [summary_ts] = limited.slack.pins(channel)

    delivery = await limited.slack.click_button(
        user=limited.people.bob,
        channel=channel,
        message_ts=summary_ts,
        action_id="incident_resolve",
        block_id="incident_actions_1",
        value="1",
    )

    assert delivery.status == 200
    await limited.settle()
    [refusal] = limited.slack.response_url_posts
    assert refusal["response_type"] == "ephemeral" and "may resolve it" in refusal["text"]
    assert (await incident(limited)).status == "investigating"


async def test_members_of_the_admin_group_are_admins(limited: Workspace) -> None:
    limited.slack.add_usergroup("oncall-admins", usergroup_id="S0ONCALLADM", users=[limited.people.bob])
    channel = await limited.declare("Checkout is down sev2")

    reply = await limited.command("resolve", user=limited.people.bob, channel=channel)

    assert "resolved" in reply["text"]


async def test_an_admin_group_slack_cannot_find_makes_nobody_an_admin_and_breaks_nothing(limited: Workspace) -> None:
    del limited.slack.workspace.usergroups["S0ONCALLADM"]
    channel = await limited.declare("Checkout is down sev2")

    refused = await limited.command("resolve", user=limited.people.bob, channel=channel)
    allowed = await limited.command("severity sev1", user=limited.people.carol, channel=channel)  # listed by id

    assert "may resolve it" in refused["text"]
    assert "SEV1" in allowed["text"]


async def test_an_incident_nobody_commands_yet_may_be_resolved_by_anyone(limited: Workspace) -> None:
    body = {
        "version": "4",
        "groupKey": "{}:{alertname='DiskFull'}",
        "status": "firing",
        "receiver": "oncall",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DiskFull", "severity": "critical"},
                "annotations": {"summary": "Disk full on db-1"},
                "startsAt": "2026-12-01T05:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "aa11",
            }
        ],
    }
    assert (await limited.webhook("alertmanager", body)).status == 200
    await limited.settle()
    [channel] = limited.incident_channels()

    reply = await limited.command("resolve", user=limited.people.bob, channel=channel.id)

    assert "resolved" in reply["text"]


async def test_nobody_makes_themselves_commander_to_get_around_the_limits(limited: Workspace) -> None:
    people = limited.people
    channel = await limited.declare("Checkout is down sev2")  # alice commands

    taken = await limited.command(f"assign commander <@{people.bob}>", user=people.bob, channel=channel)
    given = await limited.command(f"assign commander <@{people.carol}>", user=people.bob, channel=channel)
    resolved = await limited.command("resolve", user=people.bob, channel=channel)

    assert taken["text"] == (
        f"Only the commander of INC-1 (<@{people.alice}>) or an admin may hand its commander role over. "
        "Ask one of them."
    )
    assert given["text"] == taken["text"]
    assert "may resolve it" in resolved["text"]
    await limited.settle()
    assert (await incident(limited)).status == "investigating"
    async with limited.database.transaction() as session:
        [role] = (await session.exec(select(Role))).all()
    assert (role.role, role.user_id) == ("commander", people.alice)
    assert people.bob not in limited.slack.channels[channel].members  # a refused assignment invites nobody


async def test_the_commander_or_an_admin_hands_the_role_over(limited: Workspace) -> None:
    people = limited.people
    channel = await limited.declare("Checkout is down sev2")

    handed = await limited.command(f"assign commander <@{people.bob}>", user=people.alice, channel=channel)
    # the old commander is now refused like anyone else
    refused = await limited.command(f"assign commander <@{people.alice}>", user=people.alice, channel=channel)

    assert handed["text"] == f"<@{people.bob}> is now the Commander of INC-1."
    assert "may hand its commander role over" in refused["text"]
    assert "resolved" in (await limited.command("resolve", user=people.bob, channel=channel))["text"]


async def test_an_admin_gives_the_commander_role_to_anyone(limited: Workspace) -> None:
    people = limited.people
    channel = await limited.declare("Checkout is down sev2")

    given = await limited.command(f"assign commander <@{people.bob}>", user=people.carol, channel=channel)

    assert given["text"] == f"<@{people.bob}> is now the Commander of INC-1."


async def test_an_incident_nobody_commands_may_be_claimed_then_is_guarded(limited: Workspace) -> None:
    people = limited.people
    assert (await limited.webhook("alertmanager", am_group([am_alert("DiskFull", severity="critical")]))).status == 200
    await limited.settle()
    [channel] = limited.incident_channels()

    claimed = await limited.command(f"assign commander <@{people.bob}>", user=people.bob, channel=channel.id)
    taken = await limited.command(f"assign commander <@{people.alice}>", user=people.alice, channel=channel.id)

    assert claimed["text"] == f"<@{people.bob}> is now the Commander of INC-1."
    assert "may hand its commander role over" in taken["text"]


async def test_reopening_a_resolved_incident_is_limited_like_resolving(limited: Workspace) -> None:
    people = limited.people
    channel = await limited.declare("Checkout is down sev2")
    await limited.command("resolve", user=people.alice, channel=channel)
    await limited.settle()
    [summary_ts] = limited.slack.pins(channel)

    by_command = await limited.command("status investigating", user=people.bob, channel=channel)
    await limited.slack.click_button(
        user=people.bob,
        channel=channel,
        message_ts=summary_ts,
        action_id="incident_status",
        block_id="incident_actions_1",
        selected_option="monitoring",
    )
    await limited.command("update", user=people.bob, channel=channel)
    [form] = limited.slack.open_views()
    by_form = await limited.slack.submit_view(
        user=people.bob,
        view_id=form.id,
        values={"status": {"value": {"type": "static_select", "selected_option": {"value": "identified"}}}},
    )
    await limited.settle()

    assert by_command["text"] == (
        f"Only the commander of INC-1 (<@{people.alice}>) or an admin may resolve it. Ask one of them."
    )
    assert limited.slack.response_url_posts[-1]["text"] == by_command["text"]
    assert by_form.json() == {"response_action": "errors", "errors": {"status": by_command["text"]}}
    assert (await incident(limited)).status == "resolved"
    reopened = await limited.command("status investigating", user=people.carol, channel=channel)  # an admin may
    assert reopened["text"] == "INC-1 is now *investigating*."


async def test_only_admins_schedule_retros_and_post_slo_digests(limited: Workspace) -> None:
    schedule = f"schedule <#{limited.general}|general> start=2027-01-04T10:00 cadence=2w"

    refused = await limited.command(schedule, user=limited.people.bob, command="/retro")
    digest = await limited.command("digest", user=limited.people.bob, command="/slo")
    allowed = await limited.command(schedule, user=limited.people.carol, command="/retro")

    assert refused["text"] == "Only the on-call admins may schedule or cancel retros. Ask one of them."
    assert digest["text"] == "Only the on-call admins may post the SLO digest. Ask one of them."
    assert allowed["text"].startswith("Retro #1 scheduled")
    async with limited.database.transaction() as session:
        assert len((await session.exec(select(Retro))).all()) == 1
    # listing is for everyone
    assert "#1" in (await limited.command("list", user=limited.people.bob, command="/retro"))["text"]


async def test_without_limits_everyone_may_do_everything(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev2")

    assert "resolved" in (await workspace.command("resolve", user=workspace.people.bob, channel=channel))["text"]


def test_limits_without_any_admin_are_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "oncall.yml"
    path.write_text("permissions:\n  commander_only: [resolve]\n")

    with pytest.raises(SettingsError, match=r"permissions limits actions but names no admins"):
        load_config(path)


def test_an_unknown_action_is_named(tmp_path: Path) -> None:
    path = tmp_path / "oncall.yml"
    path.write_text("permissions:\n  admins: [U0ADMIN1]\n  admin_only: [reboot]\n")

    with pytest.raises(SettingsError, match=r"permissions.admin_only\[0\]"):
        load_config(path)

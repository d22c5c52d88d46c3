"""An engineer declares an incident and gets a channel, a pinned summary and an announcement."""

from __future__ import annotations

from sqlmodel import select

from storage.tables import Incident, OutboxEntry
from tests.e2e.conftest import Workspace
from tests.helpers import eventually


async def test_engineer_declares_sev1_and_gets_a_channel_summary_and_announcement(workspace: Workspace) -> None:
    slack, alice = workspace.slack, workspace.people.alice

    reply = await workspace.command("declare Checkout is down sev1")

    assert reply["response_type"] == "ephemeral"
    assert "*INC-1* declared: Checkout is down (SEV1)" in reply["text"]
    await workspace.settle()
    channel = slack.channel_by_name("inc-1-checkout-is-down")
    assert channel is not None and channel.creator == slack.bot_user_id
    assert alice in channel.members
    assert "SEV1" in channel.topic and "Investigating" in channel.topic
    assert channel.purpose == "Checkout is down"
    [summary_ts] = slack.pins(channel.id)
    summary = next(m for m in slack.messages(channel.id) if m.ts == summary_ts)
    assert summary.blocks[0]["text"]["text"] == "INC-1: Checkout is down"
    shown = str(summary.blocks)
    assert "SEV1" in shown and "Investigating" in shown and f"<@{alice}>" in shown
    [announcement] = slack.messages(workspace.incidents)
    assert "*INC-1* Checkout is down" in announcement.text and f"<#{channel.id}>" in announcement.text


async def test_every_side_effect_is_done_once_and_recorded_as_done(workspace: Workspace) -> None:
    await workspace.declare("Search latency sev3")
    assert len(workspace.slack.ok_calls_to("conversations.create")) == 1
    assert len(workspace.slack.ok_calls_to("pins.add")) == 1
    async with workspace.database.transaction() as session:
        entries = (await session.exec(select(OutboxEntry))).all()
    assert entries and {entry.state for entry in entries} == {"done"}


async def test_declaring_without_a_title_opens_the_form_and_submitting_it_declares(workspace: Workspace) -> None:
    slack = workspace.slack
    reply = await workspace.command("declare")
    assert "text" not in reply or not reply["text"]
    [view] = slack.open_views()
    assert view.view["callback_id"] == "declare_incident"

    delivery = await slack.submit_view(
        user=workspace.people.bob,
        view_id=view.id,
        values={
            "title": {"value": {"type": "plain_text_input", "value": "Login loops"}},
            "severity": {"value": {"type": "static_select", "selected_option": {"value": "SEV2"}}},
            "summary": {"value": {"type": "plain_text_input", "value": "SSO redirects forever"}},
        },
    )

    assert delivery.status == 200
    await workspace.settle()
    channel = slack.channel_by_name("inc-1-login-loops")
    assert channel is not None and workspace.people.bob in channel.members
    assert channel.purpose == "Login loops — SSO redirects forever"


async def test_form_submitted_without_a_title_shows_the_error_in_the_form(workspace: Workspace) -> None:
    await workspace.command("declare")
    [view] = workspace.slack.open_views()
    delivery = await workspace.slack.submit_view(
        user=workspace.people.bob,
        view_id=view.id,
        values={"title": {"value": {"type": "plain_text_input", "value": " "}}},
    )
    assert delivery.json() == {
        "response_action": "errors",
        "errors": {"title": "The title is empty: write it after the command."},
    }
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(Incident))).all() == []


async def test_odd_titles_still_get_valid_channels(workspace: Workspace) -> None:
    await workspace.declare("🔥 Ünïcödé  ÅPI — 50% 5xx!!! " + "very long words " * 10)
    [channel] = [c for c in workspace.slack.channels.values() if c.name.startswith("inc-1")]
    assert channel.name.startswith("inc-1-unicode-api-50-5xx-very-long-words")
    assert len(channel.name) <= 80


async def test_name_collision_with_a_human_channel_adds_a_suffix_and_never_adopts_it(workspace: Workspace) -> None:
    slack = workspace.slack
    human_channel = slack.add_channel("inc-1-db-down", creator=workspace.people.carol)
    await workspace.declare("DB down")
    ours = slack.channel_by_name("inc-1-db-down-2")
    assert ours is not None and ours.creator == slack.bot_user_id
    assert slack.messages(human_channel) == []
    async with workspace.database.transaction() as session:
        [incident] = (await session.exec(select(Incident))).all()
    assert incident.channel_id == ours.id


async def test_mrkdwn_in_a_title_cannot_ping_the_announce_channel(workspace: Workspace) -> None:
    await workspace.declare("<!channel> everything & more is <broken>")
    [announcement] = workspace.slack.messages(workspace.incidents)
    assert "<!channel>" not in announcement.text
    assert "&lt;!channel&gt; everything &amp; more is &lt;broken&gt;" in announcement.text


async def test_incident_numbers_increase(workspace: Workspace) -> None:
    await workspace.declare("First")
    await workspace.declare("Second")
    names = await eventually(
        lambda: sorted(c.name for c in workspace.slack.channels.values() if c.name.startswith("inc-"))
    )
    assert names == ["inc-1-first", "inc-2-second"]

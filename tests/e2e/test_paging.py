"""Paging over HTTP against the emulator: a two-step policy pages, escalates, repeats, and stops on
acknowledgement (button, command, commander) or resolution, on both databases, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.keys import begin_key, config_key, escalation_worker_key
from bot.paging.blocks import ACK_ACTION, ESCALATE_ACTION
from bot.paging.worker import EscalationWorker
from bot.schedules.catalog import Catalog
from storage.tables import Escalation, Incident, Page
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import People, StartBot, Workspace
from tests.e2e.test_metrics import scrape, value
from tests.e2e.test_postmortem import uploaded
from tests.e2e.test_web_pages import WEB_TOKEN, get
from tests.helpers import eventually


def config(people: People) -> str:
    """Alice is on call for payments (a weekly rotation that began yesterday); Carol is the lead."""
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return f"""
schedules:
  - name: payments
    layers:
      - name: primary
        users: [{people.alice}, {people.bob}]
        start: {start}
        rotation: 1w
escalation_policies:
  - name: payments-critical
    steps:
      - notify: [schedule:payments]
        wait: 5m
      - notify: [user:{people.carol}]
        wait: 10m
    repeat: 1
"""


def dms(workspace: Workspace, person: str) -> list[str]:
    dm = workspace.slack.channel_by_name(f"dm-{person.lower()}")
    return [text for text in workspace.posts(dm.id) if "You are paged" in text] if dm is not None else []


async def paged(workspace: Workspace) -> tuple[str, datetime]:
    """An incident declared and paged with the policy; returns its channel and when step 1 was due."""
    channel = await workspace.declare("Checkout is down sev1")
    reply = await workspace.command("page payments-critical Card payments fail", channel=channel)
    assert reply["text"] == "Paging for *INC-1* with *payments-critical*."
    async with workspace.database.transaction() as session:
        escalation = (await session.exec(select(Escalation))).one()

    async def first_step_done() -> bool:
        await workspace.settle()
        return len(dms(workspace, workspace.people.alice)) == 1

    await eventually(first_step_done, within=10)  # the worker of the running bot performs step 1 at once
    return channel, escalation.next_at


async def run(workspace: Workspace, at: datetime) -> int:
    performed = await workspace.server.app[escalation_worker_key].run_due(at)
    await workspace.settle()
    return performed


async def test_a_policy_pages_step_by_step_repeats_then_says_nobody_acknowledged(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    alice, carol = workspace.people.alice, workspace.people.carol
    channel, start = await paged(workspace)

    [page] = dms(workspace, alice)
    assert page.startswith(":rotating_light: You are paged for *INC-1* Checkout is down (SEV1)")
    assert "step 1 of 2 of *payments-critical*" in page and "> Card payments fail" in page
    assert any(text.startswith(f":rotating_light: Paging <@{alice}> (step 1 of 2") for text in workspace.posts(channel))

    assert await run(workspace, start + timedelta(minutes=4)) == 0
    assert await run(workspace, start + timedelta(minutes=5, seconds=1)) == 1
    assert len(dms(workspace, carol)) == 1
    assert carol in workspace.slack.channels[channel].members  # paged people join the channel
    assert await run(workspace, start + timedelta(minutes=5, seconds=2)) == 0  # performed once
    assert await run(workspace, start + timedelta(minutes=15, seconds=2)) == 1  # round 2, step 1
    assert "round 2" in dms(workspace, alice)[-1]
    assert await run(workspace, start + timedelta(minutes=20, seconds=3)) == 1
    assert await run(workspace, start + timedelta(minutes=30, seconds=4)) == 1  # the end
    assert await run(workspace, start + timedelta(hours=3)) == 0
    assert len(dms(workspace, alice)) == 2 and len(dms(workspace, carol)) == 2
    assert workspace.posts(channel)[-1].startswith(":warning: *payments-critical* ran out of steps")
    async with workspace.database.transaction() as session:
        pages = (await session.exec(select(Page).order_by(col(Page.id)))).all()
    assert [(p.round, p.step, p.target, p.via) for p in pages] == [
        (0, 0, alice, "schedule:payments"),
        (0, 1, carol, f"user:{carol}"),
        (1, 0, alice, "schedule:payments"),
        (1, 1, carol, f"user:{carol}"),
    ]


async def test_the_acknowledge_button_stops_paging_at_once_and_twice_is_harmless(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    slack, alice, carol = workspace.slack, workspace.people.alice, workspace.people.carol
    channel, start = await paged(workspace)
    dm = slack.channel_by_name(f"dm-{alice.lower()}")
    assert dm is not None
    page = next(m for m in slack.messages(dm.id) if "You are paged" in m.text)

    click = await slack.click_button(user=alice, channel=dm.id, message_ts=page.ts, action_id=ACK_ACTION, value="1")
    assert click.status == 200
    await workspace.settle()
    acknowledged = [text for text in workspace.posts(channel) if "acknowledged *INC-1*" in text]
    assert len(acknowledged) == 1 and acknowledged[0].startswith(f":white_check_mark: <@{alice}> acknowledged")
    async with workspace.database.transaction() as session:
        incident = (await session.exec(select(Incident))).one()
    assert incident.acknowledged_at is not None and incident.acknowledged_by == alice
    summary = next(m for m in slack.messages(channel) if m.blocks and m.blocks[0].get("type") == "header")
    fields = [field["text"] for block in summary.blocks if block.get("fields") for field in block["fields"]]
    assert any(field.startswith("*Acknowledged*\n") and field.endswith(f"by <@{alice}>") for field in fields)

    assert await run(workspace, start + timedelta(minutes=6)) == 0
    assert dms(workspace, carol) == []  # no page after an acknowledgement
    again = await slack.click_button(user=alice, channel=dm.id, message_ts=page.ts, action_id=ACK_ACTION, value="1")
    assert again.status == 200
    await workspace.settle()
    assert slack.response_url_posts[-1]["text"] == "*INC-1* is acknowledged already, and nobody is being paged for it."
    assert len([text for text in workspace.posts(channel) if "acknowledged *INC-1*" in text]) == 1

    await workspace.command("postmortem", channel=channel)
    await workspace.settle()
    [document] = uploaded(workspace, channel)
    paging = document.split("## Paging")[1].split("## Alerts")[0]
    assert "paged alice · step 1 of payments-critical · via schedule:payments" in paging
    assert "- payments-critical: acknowledged by alice at " in paging

    samples = await scrape(workspace)
    assert value(samples, "oncall_pages", kind="user") == 1
    assert value(samples, "oncall_escalations", state="acknowledged") == 1
    assert value(samples, "oncall_escalations", state="active") == 0
    assert value(samples, "oncall_time_to_acknowledge_seconds_count") == 1
    assert value(samples, "oncall_time_to_acknowledge_seconds_bucket", le="60.0") == 1


async def test_escalate_now_pages_the_next_step_without_waiting(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    slack, alice, carol = workspace.slack, workspace.people.alice, workspace.people.carol
    await paged(workspace)
    dm = slack.channel_by_name(f"dm-{alice.lower()}")
    assert dm is not None
    page = next(m for m in slack.messages(dm.id) if "You are paged" in m.text)
    await slack.click_button(user=alice, channel=dm.id, message_ts=page.ts, action_id=ESCALATE_ACTION, value="1")

    async def carol_paged() -> bool:
        await workspace.settle()
        return len(dms(workspace, carol)) == 1

    await eventually(carol_paged, within=10)


async def test_the_command_the_commander_role_and_resolving_each_stop_paging(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    carol = workspace.people.carol
    channel, start = await paged(workspace)
    reply = await workspace.command("ack", channel=channel, user=workspace.people.bob)
    assert reply["text"].startswith(f":white_check_mark: <@{workspace.people.bob}> acknowledged *INC-1*")
    assert await run(workspace, start + timedelta(minutes=6)) == 0

    await workspace.command("page payments-critical", channel=channel)
    await workspace.command(f"assign commander <@{carol}>", channel=channel)
    assert await run(workspace, start + timedelta(minutes=30)) == 0
    await workspace.command("page payments-critical", channel=channel)
    await workspace.command("resolve", channel=channel)
    assert await run(workspace, start + timedelta(minutes=30)) == 0
    assert dms(workspace, carol) == []
    async with workspace.database.transaction() as session:
        states = [e.state for e in (await session.exec(select(Escalation).order_by(col(Escalation.id)))).all()]
    assert states == ["acknowledged", "acknowledged", "resolved"]


async def test_a_restarted_bot_performs_each_overdue_step_once_in_order_saying_it_is_late(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    alice, carol = workspace.people.alice, workspace.people.carol
    _, start = await paged(workspace)
    app = workspace.server.app
    # Down for 40 minutes: step 2 and the whole second round are overdue. The restarted bot pages step 2
    # now (late), and the next step a full wait later: never all at once.
    restarted = EscalationWorker(app[begin_key], Catalog(app[config_key].schedules, app[config_key].zone))
    late = start + timedelta(minutes=40)
    assert await restarted.run_due(late) == 1
    assert await run(workspace, late) == 0  # the running bot's worker finds it done
    await workspace.settle()
    assert len(dms(workspace, carol)) == 1 and "min: the bot was down or busy)" in dms(workspace, carol)[0]
    assert await restarted.run_due(late + timedelta(minutes=9)) == 0
    assert await restarted.run_due(late + timedelta(minutes=10)) == 1
    await workspace.settle()
    assert len(dms(workspace, alice)) == 2


async def test_paging_a_schedule_or_a_person_and_a_bad_target(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    channel = await workspace.declare("Queue is stuck sev2")
    assert (await workspace.command("page payments", channel=channel))[
        "text"
    ] == "Paging for *INC-1* with *schedule payments*."
    bob = workspace.people.bob
    reply = await workspace.command(f"page <@{bob}> can you look?", channel=channel)
    assert reply["text"] == f"Paging for *INC-1* with *<@{bob}>*."

    async def bob_paged() -> bool:
        await workspace.settle()
        return len(dms(workspace, bob)) == 1

    await eventually(bob_paged, within=10)
    refused = (await workspace.command("page billing", channel=channel))["text"]
    assert refused.startswith("`billing` is neither an escalation policy nor a schedule (payments-critical, payments)")
    async with workspace.database.transaction() as session:
        assert len((await session.exec(select(Escalation))).all()) == 2


async def test_the_incident_page_shows_who_was_paged_and_who_acknowledged(start_bot: StartBot) -> None:
    workspace = await start_bot(config, web_token=WEB_TOKEN)
    channel, _ = await paged(workspace)
    await workspace.command("ack", channel=channel, user=workspace.people.bob)
    status, body, _ = await get(workspace, "/incidents/INC-1", Authorization=f"Bearer {WEB_TOKEN}")
    assert status == 200
    paging = body.split("<h2>Paging</h2>")[1].split("<h2>Timeline</h2>")[0]
    # People by name once a postmortem has looked them up; until then by id.
    assert f'<td data-label="Paged">{workspace.people.alice}</td>' in paging
    assert "schedule:payments" in paging
    assert f"payments-critical: acknowledged by {workspace.people.bob} at" in paging


def routed(people: People) -> str:
    return (
        config(people)
        + """
alerts:
  routes:
    - match: {service: payments}
      escalation: payments-critical
"""
    )


async def test_an_alert_routed_to_a_policy_pages_its_first_step(start_bot: StartBot) -> None:
    workspace = await start_bot(routed)
    response = await workspace.webhook("alertmanager", am_group([am_alert("CheckoutErrors", service="payments")]))
    assert response.status == 200

    async def alice_paged() -> bool:
        await workspace.settle()
        return len(dms(workspace, workspace.people.alice)) == 1

    await eventually(alice_paged, within=10)
    [page] = dms(workspace, workspace.people.alice)
    assert "step 1 of 2 of *payments-critical*" in page and "CheckoutErrors" in page
    async with workspace.database.transaction() as session:
        escalation = (await session.exec(select(Escalation))).one()
    # Then as any escalation: step 2 after the wait, and nothing after an acknowledgement.
    assert await run(workspace, escalation.next_at + timedelta(seconds=1)) == 1
    assert len(dms(workspace, workspace.people.carol)) == 1
    await workspace.command("ack INC-1", user=workspace.people.carol)
    assert await run(workspace, escalation.next_at + timedelta(hours=1)) == 0
    assert len(dms(workspace, workspace.people.alice)) == 1


async def test_declare_with_page_starts_the_policy_and_a_bad_one_declares_nothing(start_bot: StartBot) -> None:
    workspace = await start_bot(config)
    refused = await workspace.command("declare Card payments fail sev1 --page paymnts")
    assert refused["text"].startswith("`paymnts` is neither an escalation policy nor a schedule")
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(Incident))).all() == []
    missing = await workspace.command("declare Card payments fail --page")
    assert "Name what to page after --page" in missing["text"]

    await workspace.command("declare Card payments fail sev1 --page payments-critical")

    async def alice_paged() -> bool:
        await workspace.settle()
        return len(dms(workspace, workspace.people.alice)) == 1

    await eventually(alice_paged, within=10)
    async with workspace.database.transaction() as session:
        [incident] = (await session.exec(select(Incident))).all()
    assert incident.title == "Card payments fail" and incident.severity == "SEV1"


def with_ack_timeout(people: People) -> str:
    return config(people).replace("    repeat: 1\n", "    repeat: 1\n    ack_timeout: 30m\n")


async def test_an_acknowledged_incident_left_without_an_update_is_paged_again_after_ack_timeout(
    start_bot: StartBot,
) -> None:
    workspace = await start_bot(with_ack_timeout)
    alice, bob = workspace.people.alice, workspace.people.bob
    channel, _ = await paged(workspace)
    await workspace.command("ack", channel=channel, user=bob)
    acknowledged = datetime.now(UTC)

    assert await run(workspace, acknowledged + timedelta(minutes=29)) == 0
    assert await run(workspace, acknowledged + timedelta(minutes=31)) == 1  # paged again, from step 1
    assert len(dms(workspace, alice)) == 2
    again = [text for text in workspace.posts(channel) if text.startswith(":alarm_clock:")]
    assert len(again) == 1 and f"acknowledged by <@{bob}> 31 min ago and has had no status update" in again[0]
    assert await run(workspace, acknowledged + timedelta(minutes=32)) == 0


async def test_an_update_after_the_acknowledgement_keeps_paging_stopped(start_bot: StartBot) -> None:
    workspace = await start_bot(with_ack_timeout)
    channel, _ = await paged(workspace)
    await workspace.command("ack", channel=channel)
    acknowledged = datetime.now(UTC)
    await workspace.command("note Rolling back the deploy", channel=channel)
    assert await run(workspace, acknowledged + timedelta(minutes=31)) == 0
    assert await run(workspace, acknowledged + timedelta(hours=5)) == 0
    assert len(dms(workspace, workspace.people.alice)) == 1

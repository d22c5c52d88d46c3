"""Reminders sent by the scheduler's tick at a time the test chooses: once, on time, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.config.schema import parse_config
from bot.keys import begin_key, config_key, database_key, scheduler_key
from handlers.jobs.runner import Scheduler
from storage.tables import Incident
from tests.e2e.conftest import StartBot, Workspace

MADRID = ZoneInfo("Europe/Madrid")


def nudges(workspace: Workspace, channel: str) -> list[str]:
    return [text for text in workspace.posts(channel) if "has had no status update" in text]


async def declared_at(workspace: Workspace) -> datetime:
    async with workspace.database.transaction() as session:
        incident = (await session.exec(select(Incident))).one()
    return incident.declared_at


async def tick(workspace: Workspace, now: datetime, *, only: str | None = None) -> int:
    """How many reminders the tick at `now` sent (of one kind, with `only`)."""
    result = await workspace.server.app[scheduler_key].tick(now)
    await workspace.settle()
    return int(getattr(result, only)) if only else result.sent


async def test_a_quiet_incident_is_nudged_once_per_period_until_someone_updates_it(workspace: Workspace) -> None:
    channel = await workspace.declare("Checkout is down sev2")  # SEV2: nudged after 30 minutes
    start = await declared_at(workspace)

    assert await tick(workspace, start + timedelta(minutes=29)) == 0
    assert await tick(workspace, start + timedelta(minutes=31)) == 1
    assert await tick(workspace, start + timedelta(minutes=31)) == 0  # the same moment again: no repeat
    assert await tick(workspace, start + timedelta(minutes=55)) == 0
    assert await tick(workspace, start + timedelta(minutes=62)) == 1
    [first, second] = nudges(workspace, channel)
    assert first.startswith(f":hourglass_flowing_sand: <@{workspace.people.alice}> *INC-1* has had no status update")
    assert "for 30m" in first and "for 1h1m" in second  # quiet since the last entry, a moment after declaring

    await workspace.command("note Rolled back the deploy", channel=channel)
    async with workspace.database.transaction() as session:
        incident = (await session.exec(select(Incident))).one()
    noted = incident.updated_at
    assert await tick(workspace, noted + timedelta(minutes=29)) == 0
    await workspace.command("resolve", channel=channel)
    assert await tick(workspace, noted + timedelta(hours=5)) == 0  # resolved: no nudges
    assert len(nudges(workspace, channel)) == 2


async def test_after_a_restart_nothing_repeats_and_a_long_outage_sends_once(workspace: Workspace) -> None:
    channel = await workspace.declare("Search is slow sev1")  # SEV1: 15 minutes
    start = await declared_at(workspace)
    assert await tick(workspace, start + timedelta(minutes=16)) == 1

    app = workspace.server.app
    restarted = Scheduler(app[database_key], app[begin_key], app[config_key])
    assert (await restarted.tick(start + timedelta(minutes=16))).sent == 0
    # Down for ten hours: forty missed periods, one nudge.
    assert (await restarted.tick(start + timedelta(hours=10, minutes=16))).sent == 1
    await workspace.settle()
    assert len(nudges(workspace, channel)) == 2


async def test_postmortem_due_reminder_then_daily_until_drafted(workspace: Workspace) -> None:
    channel = await workspace.declare("Payments failing sev2")
    await workspace.command("note mitigated", channel=channel)
    await workspace.command("resolve", channel=channel)
    async with workspace.database.transaction() as session:
        resolved = (await session.exec(select(Incident))).one().resolved_at
    assert resolved is not None

    def reminders() -> list[str]:
        return [text for text in workspace.posts(channel) if "the postmortem of *INC-1* is due" in text]

    assert await tick(workspace, resolved + timedelta(days=4, hours=23)) == 0
    assert await tick(workspace, resolved + timedelta(days=5, minutes=1)) == 1
    assert await tick(workspace, resolved + timedelta(days=5, hours=12)) == 0
    assert await tick(workspace, resolved + timedelta(days=6, minutes=2)) == 1
    assert len(reminders()) == 2
    await workspace.command("postmortem", channel=channel)
    await workspace.settle()
    assert await tick(workspace, resolved + timedelta(days=9)) == 0


async def test_follow_up_owner_gets_a_direct_message_on_the_due_date_and_when_overdue(start_bot: StartBot) -> None:
    workspace = await start_bot("timezone: Europe/Madrid\n")
    channel = await workspace.declare("Queue backlog sev3")
    bob = workspace.people.bob
    await workspace.command(f"followup add Add a queue depth alert <@{bob}> due:2026-12-01", channel=channel)
    await workspace.command("resolve", channel=channel)
    await workspace.command("postmortem", channel=channel)  # no postmortem reminders in the way

    nine = datetime(2026, 12, 1, 9, 0, tzinfo=MADRID)
    assert await tick(workspace, nine - timedelta(minutes=1)) == 0
    assert await tick(workspace, nine + timedelta(minutes=1)) == 1
    assert await tick(workspace, nine + timedelta(hours=3)) == 0
    assert await tick(workspace, nine + timedelta(days=1, minutes=2)) == 1

    dm = workspace.slack.channel_by_name(f"dm-{bob.lower()}")
    assert dm is not None and bob in dm.members
    due_today, overdue = workspace.posts(dm.id)
    assert "Follow-up *#1* of *INC-1*" in due_today and "is due today: Add a queue depth alert" in due_today
    assert "*1 day overdue*" in overdue
    await workspace.command("followup done 1", channel=channel)
    assert await tick(workspace, nine + timedelta(days=2, minutes=3)) == 0


async def test_retro_scheduled_from_slack_posts_its_agenda_and_can_be_listed_and_cancelled(
    workspace: Workspace,
) -> None:
    slack, alice = workspace.slack, workspace.people.alice
    retros_channel = slack.add_channel("retros", creator=alice, members=[alice])
    channel = await workspace.declare("Login errors sev2")
    await workspace.command("followup add Fix the login cache due:2020-01-01", channel=channel)
    await workspace.command("resolve", channel=channel)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)

    reply = await workspace.command(
        f"schedule <#{retros_channel}|retros> start={start:%Y-%m-%dT%H:%M:%S} cadence=1w count=2", command="/retro"
    )
    assert reply["text"].startswith(f"Retro #1 scheduled in <#{retros_channel}>; the first is ")
    listing = (await workspace.command("list", command="/retro"))["text"]
    assert "every 1w, 2 left, next" in listing

    assert await tick(workspace, start - timedelta(minutes=1), only="retros") == 0
    assert await tick(workspace, start + timedelta(minutes=1), only="retros") == 1
    [agenda] = workspace.posts(retros_channel)
    assert agenda.startswith(":spiral_calendar_pad: *Retro* (#1, 1 of 2) — agenda")
    assert "INC-1 SEV2 Login errors · resolved" in agenda
    assert "INC-1 Login errors (not drafted yet)" in agenda
    assert "INC-1 #1 Fix the login cache" in agenda and "due 2020-01-01" in agenda
    assert await tick(workspace, start + timedelta(minutes=2), only="retros") == 0

    assert (await workspace.command("cancel 1", command="/retro"))["text"] == "Retro #1 is cancelled."
    assert await tick(workspace, start + timedelta(weeks=1, minutes=1), only="retros") == 0
    assert "No retros are scheduled" in (await workspace.command("list", command="/retro"))["text"]


async def test_retro_input_mistakes_are_explained(workspace: Workspace) -> None:
    channel = workspace.general
    answers = [
        (await workspace.command(text, command="/retro"))["text"]
        for text in (
            "schedule #retros start=2026-12-01T10:00 cadence=1w",
            f"schedule <#{channel}|general> start=2026-12-01T10:00 cadence=fortnightly",
            f"schedule <#{channel}|general> start=2020-01-01T10:00 cadence=1w count=3",
            f"schedule <#{channel}|general> start=2026-12-01T10:00 cadence=1w every=2",
            "cancel 42",
            "shuffle",
        )
    ]
    assert answers[0].startswith("Name the channel with #")
    assert "'fortnightly' is not a duration" in answers[1]
    assert "is in the past: nothing to schedule" in answers[2]
    assert "`every` is not a retro option" in answers[3]
    assert answers[4].startswith("There is no scheduled retro #42")
    assert "`shuffle` is not a /retro command" in answers[5]


async def test_configured_retros_are_synced_at_start_up(start_bot: StartBot) -> None:
    workspace = await start_bot(
        "timezone: Europe/Madrid\n"
        'retros:\n  - channel: "#retros"\n    start: "2030-12-01T10:00"\n    cadence: 2w\n    count: 6\n'
    )
    listing = (await workspace.command("list", command="/retro"))["text"]
    assert "#retros: every 2w, 6 left, next Sun 2030-12-01 10:00 CET (from ONCALL_CONFIG)" in listing
    assert "comes from ONCALL_CONFIG" in (await workspace.command("cancel 1", command="/retro"))["text"]
    assert parse_config("retros: []").retros == []

"""Hand-offs from the scheduler's tick at times the test chooses: each announced once, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.schema import parse_config
from bot.keys import begin_key, config_key, database_key, scheduler_key
from handlers.jobs.runner import Scheduler
from tests.e2e.conftest import People, StartBot, Workspace

MADRID = ZoneInfo("Europe/Madrid")
# Monday 7 December 2026, 09:00 in Madrid: the first hand-off of a daily rotation.
START = datetime(2026, 12, 7, 9, 0, tzinfo=MADRID)


def rota(people: People, *, notify: str = "", restrictions: str = "") -> str:
    return f"""
timezone: Europe/Madrid
schedules:
  - name: payments
    channel: "#payments-oncall"
    {notify}
    layers:
      - name: primary
        users: [{people.alice}, {people.bob}, {people.carol}]
        start: 2026-12-07T09:00
        rotation: 1d
        {restrictions}
"""


async def tick(workspace: Workspace, now: datetime) -> int:
    told = await workspace.server.app[scheduler_key].tick_oncall(now)
    await workspace.settle()
    return told


def handoffs(workspace: Workspace, room: str) -> list[str]:
    return [text for text in workspace.posts(room) if "hand-off" in text]


async def test_each_hand_off_is_posted_once_with_who_goes_off_and_who_comes_on(start_bot: StartBot) -> None:
    workspace = await start_bot(rota)
    alice, bob, carol = workspace.people.alice, workspace.people.bob, workspace.people.carol
    room = workspace.slack.add_channel("payments-oncall", creator=alice, members=[alice])

    assert await tick(workspace, START + timedelta(hours=1)) == 0  # the first look: nothing was handed off
    assert await tick(workspace, START + timedelta(days=1, minutes=-1)) == 0
    assert await tick(workspace, START + timedelta(days=1, seconds=30)) == 1
    assert await tick(workspace, START + timedelta(days=1, minutes=1)) == 0  # the same hand-off: not again
    [post] = handoffs(workspace, room)
    assert post.startswith(
        f":pager: *payments* hand-off: <@{alice}> off, <@{bob}> on call now until Wed 09 Dec 09:00 CET."
    )
    assert "During the last shift: 0 incident(s) opened, 0 resolved; 0 alert(s) still firing" in post

    app = workspace.server.app
    restarted = Scheduler(app[database_key], app[begin_key], app[config_key])
    assert await restarted.tick_oncall(START + timedelta(days=1, minutes=2)) == 0  # a restart: nothing again
    # Down for four and a half days: four hand-offs missed, one announced (from Bob to whoever is on now).
    assert await restarted.tick_oncall(START + timedelta(days=5, hours=12)) == 1
    await workspace.settle()
    assert handoffs(workspace, room)[-1].startswith(f":pager: *payments* hand-off: <@{bob}> off, <@{carol}> on")
    assert len(handoffs(workspace, room)) == 2


async def test_the_shift_summary_counts_what_happened_during_the_shift(start_bot: StartBot) -> None:
    workspace = await start_bot(rota)
    alice = workspace.people.alice
    room = workspace.slack.add_channel("payments-oncall", creator=alice, members=[alice])
    now = datetime.now(UTC)
    await tick(workspace, now - timedelta(hours=1))  # first look, an hour ago
    channel = await workspace.declare("Checkout is down sev2")
    await workspace.command("resolve", channel=channel)
    await workspace.declare("Search is slow sev3")
    await workspace.command("declare --private Secret thing sev2")  # not counted: the post is public
    # An override from now makes a hand-off now.
    end = (now + timedelta(hours=2)).astimezone(MADRID).strftime("%Y-%m-%dT%H:%M")
    await workspace.command(f"override payments <@{workspace.people.carol}> now {end}", command="/oncall")
    assert await tick(workspace, datetime.now(UTC)) == 1
    post = handoffs(workspace, room)[-1]
    assert "During the last shift: 2 incident(s) opened, 1 resolved; 0 alert(s) still firing" in post


async def test_the_person_coming_on_gets_a_direct_message_before_the_shift(start_bot: StartBot) -> None:
    workspace = await start_bot(lambda people: rota(people, notify="notify_before: 1h"))
    bob = workspace.people.bob
    await tick(workspace, START + timedelta(hours=1))
    assert await tick(workspace, START + timedelta(hours=22, minutes=59)) == 0
    assert await tick(workspace, START + timedelta(hours=23, minutes=1)) == 1
    assert await tick(workspace, START + timedelta(hours=23, minutes=30)) == 0
    dm = workspace.slack.channel_by_name(f"dm-{bob.lower()}")
    assert dm is not None
    assert workspace.posts(dm.id) == [
        ":pager: You go on call for *payments* at Tue 08 Dec 09:00 CET until Wed 09 Dec 09:00 CET."
    ]


async def test_the_weekly_report_lists_the_gaps_of_the_next_fourteen_days(start_bot: StartBot) -> None:
    hours = 'restrictions: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]'
    workspace = await start_bot(lambda people: rota(people, restrictions=hours))
    alice = workspace.people.alice
    room = workspace.slack.add_channel("payments-oncall", creator=alice, members=[alice])
    monday = START + timedelta(days=7)  # Monday 14 December, 09:00

    await tick(workspace, monday - timedelta(minutes=5))  # last week's report: covered from the 7th
    before = [text for text in workspace.posts(room) if "has nobody on call" in text]
    await tick(workspace, monday + timedelta(minutes=1))
    await tick(workspace, monday + timedelta(hours=3))
    reports = [text for text in workspace.posts(room) if "has nobody on call" in text]
    assert len(reports) == len(before) + 1
    lines = reports[-1].splitlines()
    assert lines[0] == ":warning: *payments* has nobody on call at these times in the next 14 days:"
    assert lines[1] == "• Mon 14 Dec 17:00 CET → Tue 15 Dec 09:00 CET: *nobody* (a gap)"
    assert lines[5] == "• Fri 18 Dec 17:00 CET → Mon 21 Dec 09:00 CET: *nobody* (a gap)"
    assert len(lines) == 1 + 10  # ten nights and weekends, until Mon 28 Dec 09:00


def with_group(people: People) -> str:
    return rota(people).replace(
        'channel: "#payments-oncall"', 'channel: "#payments-oncall"\n    usergroup: payments-oncall'
    )


async def test_the_user_group_follows_who_is_on_call(start_bot: StartBot) -> None:
    workspace = await start_bot(with_group)
    slack, alice, bob = workspace.slack, workspace.people.alice, workspace.people.bob
    slack.add_channel("payments-oncall", creator=alice, members=[alice])
    group = slack.add_usergroup("payments-oncall", users=[workspace.people.carol])

    await tick(workspace, START + timedelta(hours=1))  # the first look sets the group, quietly
    assert slack.usergroup_members(group) == [alice]
    await tick(workspace, START + timedelta(days=1, minutes=1))
    assert slack.usergroup_members(group) == [bob]
    await tick(workspace, START + timedelta(days=1, minutes=2))
    assert len(slack.usergroup_history(group)) == 3  # the seeded members, Alice, Bob: no update repeated


async def test_without_user_groups_the_topic_names_who_is_on_call_and_the_channel_is_told_once(
    start_bot: StartBot,
) -> None:
    workspace = await start_bot(with_group)
    slack, alice, bob = workspace.slack, workspace.people.alice, workspace.people.bob
    room = slack.add_channel("payments-oncall", creator=alice, members=[alice])
    slack.set_plan("free")

    await tick(workspace, START + timedelta(hours=1))
    await tick(workspace, START + timedelta(days=1, minutes=1))
    assert slack.channels[room].topic == f"On call for payments: <@{bob}>"
    notices = [text for text in workspace.posts(room) if "plan has no user groups" in text]
    assert notices == [
        "This workspace's plan has no user groups, so @payments-oncall cannot follow *payments*: "
        "the channel topic names who is on call instead."
    ]


async def test_a_changed_definition_tells_people_whose_shifts_moved_and_announces_nothing_past(
    start_bot: StartBot,
) -> None:
    workspace = await start_bot(rota)
    people = workspace.people
    await tick(workspace, START + timedelta(hours=1))  # Alice on call, announced
    app = workspace.server.app
    # The operator swaps Alice and Bob and restarts: start-up syncs the new definition.
    swapped = parse_config(rota(people).replace(f"[{people.alice}, {people.bob}", f"[{people.bob}, {people.alice}"))
    restarted = Scheduler(app[database_key], app[begin_key], swapped)
    async with app[begin_key]() as (session, outbox):
        await restarted.handoffs.sync(session=session, outbox=outbox, now=START + timedelta(hours=2))
    await workspace.settle()

    def told(person: str) -> list[str]:
        dm = workspace.slack.channel_by_name(f"dm-{person.lower()}")
        return workspace.posts(dm.id) if dm is not None else []

    [to_bob] = told(people.bob)
    assert to_bob.startswith(":calendar: *payments* changed, and your on-call shifts in the next 14 days with it.")
    assert "• *payments* Mon 07 Dec 11:00 CET → Tue 08 Dec 09:00 CET" in to_bob  # from now: Bob's turn
    assert len(told(people.alice)) == 1 and told(people.carol) == []  # Carol's shifts did not move

    async with app[begin_key]() as (session, outbox):  # a second replica starting with it: nothing again
        await restarted.handoffs.sync(session=session, outbox=outbox, now=START + timedelta(hours=2))
    await workspace.settle()
    assert len(told(people.bob)) == 1
    # Who is on call changed now, so the next look hands over from Alice to Bob: once, not for the past.
    assert await restarted.tick_oncall(START + timedelta(hours=2, minutes=1)) == 1

"""`/oncall` over HTTP against the emulator: who is on call, overrides, cover requests, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from bot.keys import config_key
from bot.schedules.blocks import COVER_ACTION
from storage.tables import OncallOverride
from tests.e2e.conftest import People, StartBot, Workspace

MADRID = ZoneInfo("Europe/Madrid")


def local(moment: datetime) -> str:
    """How a person types a time of the schedule's zone."""
    return moment.astimezone(MADRID).strftime("%Y-%m-%dT%H:%M")


def started_two_hours_ago() -> datetime:
    return (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)


def rotation_start(workspace: Workspace) -> datetime:
    """When the running bot's payments rotation began: the config was written a moment ago, maybe in the
    previous minute, so a test asks the bot rather than the clock again."""
    [layer] = workspace.server.app[config_key].schedules[0].layers
    assert layer.start is not None
    return layer.start.replace(tzinfo=MADRID).astimezone(UTC)


def payments(people: People, *, extra: str = "") -> str:
    """A daily rotation of Alice, Bob and Carol that began two hours ago: Alice is on call, Bob is next."""
    return f"""
timezone: Europe/Madrid
schedules:
  - name: payments
    channel: "#payments-oncall"
    layers:
      - name: primary
        users: [{people.alice}, {people.bob}, {people.carol}]
        start: {local(started_two_hours_ago())}
        rotation: 1d
  - name: database
    timezone: America/New_York
    layers:
      - name: dba
        users: [{people.carol}]
        start: {(datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT09:00")}
        rotation: 1w
{extra}"""


async def oncall(workspace: Workspace, text: str, *, user: str | None = None) -> str:
    return str((await workspace.command(text, user=user, command="/oncall")).get("text", ""))


async def overrides_stored(workspace: Workspace) -> int:
    async with workspace.database.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(OncallOverride))).one())


async def test_who_is_on_call_now_until_when_and_who_is_next(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    alice, bob, carol = workspace.people.alice, workspace.people.bob, workspace.people.carol
    handover = rotation_start(workspace) + timedelta(days=1)

    answer = await oncall(workspace, "who")
    first, second = answer.splitlines()
    assert (
        first == f"*payments* — <@{alice}> on call until {handover.astimezone(MADRID):%a %d %b %H:%M %Z}, then <@{bob}>"
    )
    # Carol's rotation starts in a month: nobody is on call in that schedule until then.
    assert second.startswith("*database* — nobody on call until ") and second.endswith(f"then <@{carol}>")
    assert "EST" in second  # in the schedule's own zone

    assert (await oncall(workspace, "who PAYMENTS")).startswith(f"*payments* — <@{alice}> on call")
    unknown = await oncall(workspace, "who billing")
    assert unknown == "There is no schedule `billing`. The schedules are: payments, database."
    assert "is not a /oncall command" in await oncall(workspace, "whom")
    assert (await oncall(workspace, "")).startswith("*/oncall* — who is on call")


async def test_my_shifts_and_a_schedule_s_coming_days(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    alice, bob = workspace.people.alice, workspace.people.bob

    mine = (await oncall(workspace, "shifts 4", user=bob)).splitlines()
    assert mine[0] == f"On-call shifts of <@{bob}> in the next 4 days:"
    assert len(mine) == 3 and all(line.startswith("• *payments* ") for line in mine[1:])  # day 2, and day 5
    theirs = await oncall(workspace, f"shifts <@{alice}|alice> 2", user=bob)
    assert theirs.startswith(f"On-call shifts of <@{alice}>")
    carol = workspace.people.carol
    assert len((await oncall(workspace, "shifts 2", user=carol)).splitlines()) == 2  # her turn in 46 hours
    assert await oncall(workspace, "shifts 1", user=carol) == f"<@{carol}> has no on-call shifts in the next day."
    assert "days must be a whole number from 1 to 90" in await oncall(workspace, "shifts 900")

    coming = (await oncall(workspace, "schedule payments 3")).splitlines()
    assert coming[0] == "*payments* (Europe/Madrid), the next 3 days:"
    assert [line.rsplit(": ", 1)[1] for line in coming[1:]] == [
        f"<@{alice}>",
        f"<@{bob}>",
        f"<@{workspace.people.carol}>",
        f"<@{alice}>",
    ]
    gaps = (await oncall(workspace, "schedule database 2")).splitlines()
    assert gaps[1].endswith("*nobody* (a gap)")


async def test_an_override_wins_tells_the_person_and_can_be_removed(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    alice, carol = workspace.people.alice, workspace.people.carol
    end = datetime.now(UTC) + timedelta(hours=3)

    made = await oncall(workspace, f"override payments <@{carol}> now {local(end)}")
    assert made.startswith(f"Override #1: <@{carol}> on call for *payments* from ")
    assert (await oncall(workspace, "who payments")).startswith(f"*payments* — <@{carol}> on call until ")
    await workspace.settle()
    dm = workspace.slack.channel_by_name(f"dm-{carol.lower()}")
    assert dm is not None
    [told] = workspace.posts(dm.id)
    assert told.startswith(f":pager: <@{alice}> put you on call for *payments* from ")

    assert await oncall(workspace, "override remove 1") == "Override #1 in *payments* is removed."
    assert (await oncall(workspace, "who payments")).startswith(f"*payments* — <@{alice}> on call")
    assert await oncall(workspace, "override remove 1") == "There is no override #1."


async def test_bad_overrides_get_one_line_and_store_nothing(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    carol = workspace.people.carol
    soon, later = datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC) + timedelta(hours=2)
    refusals = {
        f"override payments <@{carol}> {local(later)} {local(soon)}": "The range must end after it starts",
        f"override payments <@{carol}> 2020-01-01T10:00 2020-01-01T12:00": "which is already past",
        f"override payments <@{carol}> tomorrow {local(later)}": "`tomorrow` is not a time",
        f"override payments <@{carol}> now 2031-01-01T00:00": "is at most 90 days long",
        f"override billing <@{carol}> now {local(later)}": "There is no schedule `billing`",
        f"override payments now {local(later)}": "An override needs a schedule, @person, a start and an end",
        "override remove x": "Name the override by its number",
    }
    for text, problem in refusals.items():
        answer = await oncall(workspace, text)
        assert problem in answer, (text, answer)
        assert "Traceback" not in answer and len(answer.splitlines()) <= 2
    assert await overrides_stored(workspace) == 0


async def test_only_admins_override_when_the_permissions_say_so(start_bot: StartBot) -> None:
    def config(people: People) -> str:
        return payments(people, extra=f"permissions:\n  admins: [{people.alice}]\n  admin_only: [override]\n")

    workspace = await start_bot(config)
    later = local(datetime.now(UTC) + timedelta(hours=2))
    bob, carol = workspace.people.bob, workspace.people.carol
    refused = await oncall(workspace, f"override payments <@{bob}> now {later}", user=bob)
    assert refused == "Only the on-call admins may override on-call schedules. Ask one of them."
    assert await overrides_stored(workspace) == 0
    assert (await oncall(workspace, f"override payments <@{carol}> now {later}")).startswith("Override #1")


async def test_a_cover_request_is_taken_with_its_button_once(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    slack, alice, bob, carol = workspace.slack, workspace.people.alice, workspace.people.bob, workspace.people.carol
    room = slack.add_channel("payments-oncall", creator=alice, members=[alice, bob, carol])
    start, end = datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC) + timedelta(hours=4)

    asked = await oncall(workspace, f"cover payments {local(start)} {local(end)}")
    assert asked == "Cover request #1 sent to #payments-oncall."
    await workspace.settle()
    [request] = slack.messages(room)
    assert request.text.startswith(f":sos: <@{alice}> asks for someone to cover *payments* from ")

    click = await slack.click_button(user=bob, channel=room, message_ts=request.ts, action_id=COVER_ACTION, value="1")
    assert click.status == 200
    await workspace.settle()
    assert workspace.posts(room)[-1].startswith(f":white_check_mark: <@{bob}> covers *payments* from ")
    dm = slack.channel_by_name(f"dm-{alice.lower()}")
    assert dm is not None and workspace.posts(dm.id)[-1].startswith(f":white_check_mark: <@{bob}> covers")
    shifts = await oncall(workspace, "schedule payments 1")
    assert f"<@{bob}>" in shifts.splitlines()[2]  # alice, then bob's cover, then alice again

    again = await slack.click_button(user=carol, channel=room, message_ts=request.ts, action_id=COVER_ACTION, value="1")
    assert again.status == 200
    await workspace.settle()
    assert await overrides_stored(workspace) == 1
    assert slack.response_url_posts[-1]["text"] == f"Cover request #1 was already taken by <@{bob}>."


async def test_a_cover_request_needs_somewhere_to_ask(start_bot: StartBot) -> None:
    workspace = await start_bot(payments)
    start, end = datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC) + timedelta(hours=4)
    refused = await oncall(workspace, f"cover database {local(start)} {local(end)}")
    assert refused.startswith("*database* has no channel to ask: name someone")
    asked = await oncall(workspace, f"cover database {local(start)} {local(end)} <@{workspace.people.bob}>")
    assert asked == f"Cover request #1 sent to <@{workspace.people.bob}>."

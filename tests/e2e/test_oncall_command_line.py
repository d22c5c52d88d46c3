"""`oncall-bot oncall who|export` as an operator or a script runs them, against the database the bot uses.

The bot runs (it migrates the database and creates each schedule's state), an override is made with a real
`/oncall override` through the emulator, and the console script reads it from the database, on both backends.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

from bot.keys import config_key
from bot.schedules import resolver
from bot.schedules.catalog import Catalog
from bot.schedules.clock import utc
from bot.schedules.models import Shift
from tests.e2e.conftest import StartBot, Workspace
from tests.e2e.test_oncall_commands import MADRID, local, oncall, payments, rotation_start


async def cli(*args: str, database_url: str, config: Path) -> tuple[int, str, str]:
    """The console script with this DATABASE_URL and ONCALL_CONFIG: (exit code, standard output, standard error)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli.main",
        *args,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "ONCALL_CONFIG": str(config)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def calendar_shifts(text: str) -> list[Shift]:
    """The events of an exported calendar, read back with icalendar, as the shifts they stand for."""
    calendar = icalendar.Calendar.from_ical(text)
    found = []
    for event in calendar.events:
        attendees = event.get("ATTENDEE")
        listed = attendees if isinstance(attendees, list) else [attendees]
        people = tuple(str(attendee.params["CN"]) for attendee in listed)
        assert str(event["SUMMARY"]) == ", ".join(people)
        start, end = event.start, event.end
        assert isinstance(start, datetime) and isinstance(end, datetime)  # shifts are instants, never all-day
        found.append(Shift(utc(start), utc(end), people))
    return found


async def resolved(workspace: Workspace, name: str, start: datetime, end: datetime) -> list[Shift]:
    """The resolver's shifts with someone on call overlapping [start, end), with the overrides in the database;
    the one in progress at `start` whole (from when it began, up to a week back), as an export gives it.

    To the second, as iCal writes times: an override made `now` starts at a fraction of a second."""
    config = workspace.server.app[config_key]
    async with workspace.database.reading() as session:
        rota = await Catalog(config.schedules, config.zone).load(session)
        since = start - timedelta(days=7)
        overrides = (await rota.overrides(session, since, end, of=[name]))[name]
    return [
        Shift(shift.start.replace(microsecond=0), shift.end.replace(microsecond=0), shift.people)
        for shift in resolver.shifts(rota.get(name), overrides, since, end)
        if shift.end > start and shift.people
    ]


async def with_override(start_bot: StartBot) -> tuple[Workspace, datetime]:
    """The payments rota (Alice now, Bob next) and Carol's override, made in Slack, from now for three hours."""
    workspace = await start_bot(payments)
    end = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    made = await oncall(workspace, f"override payments <@{workspace.people.carol}> now {local(end)}")
    assert made.startswith("Override #1:"), made
    await workspace.settle()
    return workspace, end


async def test_who_reads_the_override_made_in_slack(start_bot: StartBot, database_url: str, tmp_path: Path) -> None:
    workspace, end = await with_override(start_bot)
    config = tmp_path / "oncall.yml"
    alice, carol = workspace.people.alice, workspace.people.carol

    code, out, err = await cli(
        "oncall", "who", "payments", "--format", "json", database_url=database_url, config=config
    )
    assert code == 0, err
    answer = json.loads(out)
    assert set(answer) == {"schedule", "at", "on_call", "until"}
    assert answer["schedule"] == "payments" and answer["on_call"] == [carol]
    assert datetime.fromisoformat(answer["until"]) == end
    assert abs(datetime.fromisoformat(answer["at"]) - datetime.now(UTC)) < timedelta(minutes=2)

    later = end + timedelta(hours=1)
    code, out, err = await cli(
        "oncall", "who", "PAYMENTS", "--at", local(later), "--format", "json", database_url=database_url, config=config
    )
    assert code == 0, err
    handover = rotation_start(workspace) + timedelta(days=1)
    assert json.loads(out) == {
        "schedule": "payments",
        "at": later.astimezone(UTC).isoformat(),
        "on_call": [alice],
        "until": handover.isoformat(),
    }

    code, out, err = await cli("oncall", "who", "payments", database_url=database_url, config=config)
    assert code == 0 and err == ""
    assert out == f"payments: {carol} on call until {end.astimezone(MADRID):%a %d %b %H:%M %Z}\n"

    # A one-person layer that never hands over: no change in sight is null, not a made-up instant.
    code, out, _ = await cli(
        "oncall", "who", "database", "--at", "2030-01-01T12:00+00:00", "--format", "json",
        database_url=database_url, config=config,
    )  # fmt: skip
    assert code == 0 and json.loads(out)["until"] is None and json.loads(out)["on_call"] == [carol]


async def test_an_exported_calendar_parses_with_icalendar_and_its_events_equal_the_resolvers_shifts(
    start_bot: StartBot, database_url: str, tmp_path: Path
) -> None:
    workspace, end = await with_override(start_bot)
    config = tmp_path / "oncall.yml"
    carol = workspace.people.carol
    start = rotation_start(workspace) + timedelta(hours=1)  # an hour into Alice's first turn

    code, out, err = await cli(
        "oncall", "export", "payments", "--from", local(start), "--days", "5", database_url=database_url, config=config
    )
    assert code == 0, err
    assert out.startswith("BEGIN:VCALENDAR") and "BEGIN:VTIMEZONE" in out and "TZID=Europe/Madrid" in out
    expected = await resolved(workspace, "payments", start, start + timedelta(days=5))
    assert calendar_shifts(out) == expected
    # Alice's first turn whole (cut by Carol's override), Carol's override, the rest of Alice's turn, Bob, …
    assert [shift.people for shift in expected][:3] == [(workspace.people.alice,), (carol,), (workspace.people.alice,)]
    assert expected[0].start == rotation_start(workspace) and expected[1].end == end

    code, out, err = await cli(
        "oncall", "export", "payments", "--from", local(start), "--days", "5", "--user", carol,
        database_url=database_url, config=config,
    )  # fmt: skip
    assert code == 0, err
    theirs = calendar_shifts(out)
    assert theirs == [shift for shift in expected if carol in shift.people] and len(theirs) == 3  # override, 2 turns


async def test_bad_input_is_one_line_naming_the_fix_and_exit_2(
    start_bot: StartBot, database_url: str, tmp_path: Path
) -> None:
    await start_bot(payments)
    config = tmp_path / "oncall.yml"
    refusals = {
        ("who", "billing"): "There is no schedule `billing`. The schedules are: payments, database.",
        ("who", "payments", "--at", "tomorrow"): "--at: `tomorrow` is not a time: write it like `2027-01-13T12:00`",
        ("export", "payments", "--days", "0"): "--days: '0' is not a number of days: write a whole number from 1 to 90",
        ("export", "payments", "--days", "91"): "--days: '91' is not a number of days",
        ("export", "payments", "--days", "x"): "--days: 'x' is not a number of days",
        ("export", "payments", "--from", "13/01/2027"): "--from: `13/01/2027` is not a time",
    }
    # Each is a process of its own: run together, they take the time of one or two.
    answers = await asyncio.gather(
        *(cli("oncall", *args, database_url=database_url, config=config) for args in refusals)
    )
    for (args, problem), (code, out, err) in zip(refusals.items(), answers, strict=True):
        assert code == 2 and out == "", (args, out)
        assert err.startswith(f"oncall-bot: {problem}") and err.count("\n") == 1 and "Traceback" not in err, args

    # No database where DATABASE_URL points: said in one line, with the command that makes one.
    missing = f"sqlite+aiosqlite:///{tmp_path / 'nowhere.db'}"
    code, _, err = await cli("oncall", "who", "payments", database_url=missing, config=config)
    assert code == 2 and "run `oncall-bot db upgrade` or start the bot first" in err and err.count("\n") == 1
    assert not (tmp_path / "nowhere.db").exists()  # a command that reads creates nothing

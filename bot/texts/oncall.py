"""`/oncall`, hand-offs and shift notices: who is on call, now and next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.texts.common import quoted, with_usage

USAGE = (
    "`/oncall who [schedule]` · `/oncall shifts [@person] [days]` · `/oncall schedule <name> [days]` · "
    "`/oncall override <schedule> @person <from> <to>` · `/oncall override remove <id>` · "
    "`/oncall cover <schedule> <from> <to> [@person]`"
)
HELP = (
    "*/oncall* — who is on call, now and next.\n"
    f"{USAGE}\n"
    "Times are ISO 8601 in the schedule's time zone unless they carry an offset, e.g. `2027-01-13T12:00`; "
    "`now` is now."
)
NO_SCHEDULES = "No on-call schedules are configured: add them under `schedules:` in ONCALL_CONFIG."
NAME_THE_SCHEDULE = with_usage("Name the schedule.", USAGE)
OVERRIDE_NEEDS = with_usage("An override needs a schedule, @person, a start and an end.", USAGE)
COVER_NEEDS = with_usage("A cover request needs a schedule, a start and an end.", USAGE)
NAME_THE_OVERRIDE = with_usage("Name the override by its number, as `/oncall override` answered it.", USAGE)
BAD_DAYS = with_usage("days must be a whole number from 1 to 90.", USAGE)
MENTION_PEOPLE = "Name people as @mentions, so Slack gives their user ids."


def when(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %H:%M %Z}"


def people(user_ids: Sequence[str]) -> str:
    return ", ".join(_person(user) for user in user_ids) if user_ids else "nobody"


def _person(user: str) -> str:
    # An e-mail address Slack has no user for stays as written; a user id becomes a mention.
    return f"<@{user}>" if "@" not in user else user


def no_such_schedule(name: str, known: Sequence[str]) -> str:
    return f"There is no schedule {quoted(name)}. The schedules are: {', '.join(known)}."


def not_a_time(text: str) -> str:
    return f"{quoted(text)} is not a time: write it like `2027-01-13T12:00` (ISO 8601), or `now`."


def ends_before_it_starts(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"The range must end after it starts: {when(start, zone)} to {when(end, zone)}."


def in_the_past(end: datetime, zone: ZoneInfo) -> str:
    return f"The range ends at {when(end, zone)}, which is already past."


def too_long(longest: timedelta) -> str:
    return f"An override or cover is at most {longest.days} days long: split it, or change the rotation."


def who_line(schedule: str, zone: ZoneInfo, now: Sequence[str], until: datetime | None, then: Sequence[str]) -> str:
    if until is None:
        return f"*{schedule}* — {people(now)} on call, with no change in the next year"
    return f"*{schedule}* — {people(now)} on call until {when(until, zone)}, then {people(then)}"


def shift_line(schedule: str, start: datetime, end: datetime, zone: ZoneInfo, names: Sequence[str] = ()) -> str:
    on = f": {people(names)}" if names else ""
    return f"• *{schedule}* {when(start, zone)} → {when(end, zone)}{on}"


def gap_line(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"• {when(start, zone)} → {when(end, zone)}: *nobody* (a gap)"


def _next(days: int) -> str:
    return "the next day" if days == 1 else f"the next {days} days"


def no_shifts(user: str, days: int) -> str:
    return f"<@{user}> has no on-call shifts in {_next(days)}."


def shifts_heading(user: str, days: int) -> str:
    return f"On-call shifts of <@{user}> in {_next(days)}:"


def schedule_heading(schedule: str, zone: ZoneInfo, days: int) -> str:
    return f"*{schedule}* ({zone.key}), {_next(days)}:"


def override_made(
    override_id: int | None, schedule: str, names: Sequence[str], start: datetime, end: datetime, zone: ZoneInfo
) -> str:
    return (
        f"Override #{override_id}: {people(names)} on call for *{schedule}* "
        f"from {when(start, zone)} to {when(end, zone)}."
    )


def you_are_overriding(by: str, schedule: str, start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f":pager: <@{by}> put you on call for *{schedule}* from {when(start, zone)} to {when(end, zone)}."


def no_such_override(override_id: int) -> str:
    return f"There is no override #{override_id}."


def override_removed(override_id: int, schedule: str) -> str:
    return f"Override #{override_id} in *{schedule}* is removed."


def no_channel_to_ask(schedule: str) -> str:
    return f"*{schedule}* has no channel to ask: name someone, like `/oncall cover {schedule} <from> <to> @person`."


def cover_asked(request_id: int | None, where: str) -> str:
    return f"Cover request #{request_id} sent to {where}."


def cover_request(by: str, schedule: str, start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f":sos: <@{by}> asks for someone to cover *{schedule}* from {when(start, zone)} to {when(end, zone)}."


COVER_BUTTON = "I'll take it"


def cover_taken(request_id: int, by: str) -> str:
    return f"Cover request #{request_id} was already taken by <@{by}>."


def cover_gone(request_id: int) -> str:
    return f"Cover request #{request_id} is no longer open."


def cover_accepted(taker: str, schedule: str, start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f":white_check_mark: <@{taker}> covers *{schedule}* from {when(start, zone)} to {when(end, zone)}."


def handoff(schedule: str, off: Sequence[str], on: Sequence[str], until: datetime | None, zone: ZoneInfo) -> str:
    until_text = f" until {when(until, zone)}" if until is not None else ""
    return f":pager: *{schedule}* hand-off: {people(off)} off, {people(on)} on call now{until_text}."


def shift_summary(opened: int, resolved: int, firing: int, due: int) -> str:
    return (
        f"During the last shift: {opened} incident(s) opened, {resolved} resolved; "
        f"{firing} alert(s) still firing; {due} follow-up(s) due."
    )


def shift_notice(schedule: str, start: datetime, end: datetime | None, zone: ZoneInfo) -> str:
    until = f" until {when(end, zone)}" if end is not None else ""
    return f":pager: You go on call for *{schedule}* at {when(start, zone)}{until}."


def gaps_report(schedule: str, days: int) -> str:
    return f":warning: *{schedule}* has nobody on call at these times in {_next(days)}:"


def usergroups_unavailable(schedule: str, handle: str) -> str:
    return (
        f"This workspace's plan has no user groups, so @{handle} cannot follow *{schedule}*: "
        "the channel topic names who is on call instead."
    )


def topic(schedule: str, on: Sequence[str]) -> str:
    return f"On call for {schedule}: {people(on)}"


def responders(schedule: str, on: Sequence[str]) -> str:
    """Who an incident's channel invited from a schedule, in its first message."""
    if not on:
        return f"Nobody is on call for *{schedule}* right now."
    return f"On call for *{schedule}*: {people(on)}."


def shifts_moved(schedule: str) -> str:
    return f":calendar: *{schedule}* changed, and your on-call shifts in the next 14 days with it. They are now:"


NO_SHIFTS_LEFT = "• none"


# The command line (`oncall-bot oncall …`) and the web pages: plain text, user ids as they are.


def who_plain(schedule: str, zone: ZoneInfo, now: Sequence[str], until: datetime | None) -> str:
    on = ", ".join(now) if now else "nobody"
    if until is None:
        return f"{schedule}: {on} on call, with no change in the next year"
    return f"{schedule}: {on} on call until {when(until, zone)}"


def cli_days(text: str, most: int) -> str:
    return f"{text[:20]!r} is not a number of days: write a whole number from 1 to {most}"


def no_such_schedule_page(name: str) -> str:
    return f"There is no schedule named {name[:80]!r}; the schedules page lists every one."

"""Bugs the fuzz tests found in files their author could not change, reported with these inputs.

The properties leave out exactly the inputs below (so they can keep guarding everything else), and
tests/fuzz/test_http_fuzz.py keeps each minimal input as a strict xfail: fixing a bug turns its xfail
into a failure, which says to delete the xfail and the matching check here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.errors import UserError
from bot.schedule.cadence import local_start
from bot.schedule.durations import parse_duration
from handlers.slack import parsing
from handlers.slack.retro_command import _schedule_arguments

LARGEST_ID = 2**31 - 1  # integer columns on PostgreSQL; SQLite overflows past 2**63 - 1
# /retro schedule walks every occurrence from the start to now, one at a time, on the event loop.
MOST_OCCURRENCES_WALKED = 20_000


def number_bug(digits: str) -> str | None:
    """`isdigit()` then `int()`: superscripts pass the first and fail the second; long numbers reach the query."""
    if not digits.isdigit():
        return None
    if not digits.isdecimal():
        return "isdigit() accepts what int() refuses (ValueError: 500)"
    if len(digits) > 4000 or int(digits) > LARGEST_ID:
        return "a number beyond the integer column reaches the query (500)"
    return None


def retro_count_bug(text: str) -> str | None:
    """What `_schedule_arguments` does with `count=` that it should not."""
    try:
        _schedule_arguments(text)
    except UserError:
        return None
    except ValueError:
        return "count=² passes isdigit() but not int() (ValueError: 500)"
    return None


def retro_schedule_bug(rest: str) -> str | None:
    """Which reported bug `/retro schedule <rest>` runs into, if any."""
    if bug := retro_count_bug(rest):
        return bug
    try:
        _, start, cadence, count = _schedule_arguments(rest)
    except UserError:
        return None
    if count is not None and count > LARGEST_ID:
        return "count beyond the integer column reaches the insert (500)"
    if "<" in start or "<" in cadence:
        return "the refusal quotes start= or cadence= unescaped (a ping)"
    try:
        first, every = local_start(start, UTC), parse_duration(cadence)
    except OverflowError:
        return "a start or cadence beyond datetime's range (OverflowError: 500)"
    except ValueError:
        return None
    try:
        walked = (datetime.now(UTC) + timedelta(days=1) - first) / every
    except OverflowError:
        return "a start or cadence beyond datetime's range (OverflowError: 500)"
    if min(walked, count or walked) > MOST_OCCURRENCES_WALKED:
        return "walks every past occurrence on the event loop (seconds to hours)"
    return None


def command_bug(command: str, text: str) -> str | None:
    """Which reported bug a slash command runs into, if any: None means it must behave."""
    action, _, rest = text.strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    if command == "/retro" and action == "schedule":
        return retro_schedule_bug(rest)
    if command == "/retro" and action == "cancel":
        return number_bug(rest.lstrip("#"))
    if command == "/slo" and action == "show" and rest and "<" in rest.split()[0]:
        return "UnknownSlo quotes the name unescaped (a ping)"
    if command == "/incident":
        try:
            parsed = parsing.parse(text)
        except UserError:
            return None
        verb, number = parsing.first_word(parsed.rest)
        if parsed.name == "followup" and verb.lower() == "done":
            return number_bug(number.lstrip("#"))
    return None

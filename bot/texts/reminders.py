"""`/retro`: retro cadences, scheduled and cancelled from Slack."""

from __future__ import annotations

from datetime import datetime

from bot.slack.mrkdwn import escape
from bot.texts.common import quoted, with_usage

USAGE = "`/retro schedule #channel start=2026-12-01T10:00 cadence=2w [count=6]` · `/retro list` · `/retro cancel <id>`"
HELP = f"*/retro* — retro cadences with an agenda of recent incidents.\n{USAGE}"

NAME_THE_CHANNEL = with_usage("Name the channel with # so Slack links it.", USAGE)
NEEDS_START_AND_CADENCE = with_usage("A retro needs start= and cadence=.", USAGE)
BAD_COUNT = with_usage("count must be a whole number of retros, at least 1.", USAGE)
NAME_THE_RETRO = with_usage("Name the retro by its number, as `/retro list` shows it.", USAGE)


def not_an_option(name: str) -> str:
    return with_usage(f"{quoted(name)} is not a retro option.", USAGE)


def all_in_the_past(count: int | None, start: str, cadence: str) -> str:
    return f"Every one of the {count} retros from {start} every {cadence} is in the past: nothing to schedule."


def no_such_retro(retro_id: int) -> str:
    return f"There is no scheduled retro #{retro_id}. See them with `/retro list`."


def configured(retro_id: int) -> str:
    return f"Retro #{retro_id} comes from ONCALL_CONFIG: remove it there."


def scheduled(retro_id: int | None, channel: str, first: datetime) -> str:
    return f"Retro #{retro_id} scheduled in <#{channel}>; the first is {first:%a %Y-%m-%d %H:%M %Z}."


def cancelled(retro_id: int | None) -> str:
    return f"Retro #{retro_id} is cancelled."


# Durations and start times, as `/retro schedule` and ONCALL_CONFIG's retros take them. The person's
# words come back in a Slack reply, quoted and escaped: `<!channel>` must not ping anyone.


def _shown(text: str) -> str:
    return "'" + escape(str(text).strip()[:80]) + "'"


def not_a_duration(text: str) -> str:
    return f"{_shown(text)} is not a duration: write e.g. 15m, 2h, 5d or 2w (units s, m, h, d, w)"


def duration_too_long(text: str) -> str:
    return f"{_shown(text)} is longer than any cadence can be"


def not_a_positive_duration(text: str) -> str:
    return f"{_shown(text)} is not a positive duration"


def not_a_start_time(text: str) -> str:
    return f"{_shown(text)} is not a start time like 2026-12-01T10:00"

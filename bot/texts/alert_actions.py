"""`/alert` and the buttons on alert messages: silences in Alertmanager (docs/alert-actions.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.texts.common import quoted, with_usage

USAGE = (
    "`/alert silence <duration> [label=value|label=~regex …] [-- comment]` · `/alert silences`"
    " · `/alert expire <silence-id>` · `/alert heartbeats [pause|resume <name>]`"
    " · `/alert maintenance start <duration> <label=value …> [--silence] [-- reason]|list|end <id>` · `/alert help`"
)
HELP = (
    "*/alert* — act on alerts in Alertmanager.\n"
    f"{USAGE}\n"
    "In an incident channel, `/alert silence 2h` with no matchers silences that incident's alerts"
    " (their common labels). A maintenance window holds the alerts it matches (stored and listed in one message"
    " in the alerts channel, no incident, nobody paged) until it ends; those still firing are then handled as new."
)
NO_ALERTMANAGER = (
    "No Alertmanager is configured: add `alertmanagers: [{name: main, url: http://alertmanager:9093}]`"
    " to ONCALL_CONFIG (docs/alert-actions.md)."
)
NEEDS_DURATION = with_usage("Say how long the silence lasts, like `/alert silence 2h`.", USAGE)
NEEDS_MATCHERS = with_usage(
    "Say what to silence with label=value matchers, or give the command in an incident's channel.", USAGE
)
NO_COMMON_LABELS = (
    "This incident's alerts share no label to silence them by: name them, like `/alert silence 2h alertname=DiskFull`."
)
NAME_THE_SILENCE = with_usage("Name the silence by its number, as `/alert silences` shows it.", USAGE)
NO_SILENCES = "No silence made from Slack is active."
MOST_DAYS = 30


def not_a_matcher(token: str) -> str:
    return with_usage(f"{quoted(token)} is not a matcher: write label=value, label!=value, label=~regex.", USAGE)


def bad_label(name: str) -> str:
    return f"{quoted(name)} is not a label name: letters, digits and _, not starting with a digit."


def bad_regex(value: str, reason: str) -> str:
    return f"{quoted(value)} is not a regular expression ({reason})."


def too_long(days: int = MOST_DAYS) -> str:
    return f"A silence from Slack lasts at most {days} days; make a longer one in Alertmanager itself."


def no_such_alertmanager(name: str, known: Sequence[str]) -> str:
    return f"There is no Alertmanager named {quoted(name)}: configured are {', '.join(known)}."


def no_such_silence(silence_id: str) -> str:
    return f"There is no active silence {quoted(silence_id)}. See them with `/alert silences`."


def matcher_token(m: dict[str, Any]) -> str:
    """A matcher as `/alert silence` takes it: `label=value`, `label!=value`, `label=~regex`, `label!~regex`."""
    operator = (
        ("=" if m.get("isEqual", True) else "!=")
        if not m.get("isRegex")
        else ("=~" if m.get("isEqual", True) else "!~")
    )
    return f"{m['name']}{operator}{m['value']}"


def matchers_text(matchers: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"`{matcher_token(m)}`" for m in matchers)


def marker(silence_id: int | None) -> str:
    """Put in the silence's comment in Alertmanager: how a retried entry finds the silence it already made."""
    return f"[oncall-bot silence #{silence_id}]"


def comment(text: str, silence_id: int | None) -> str:
    return f"{text} {marker(silence_id)}".strip()


def until(at: datetime) -> str:
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M UTC}>"


def silenced(silence_id: int | None, matchers: Sequence[dict[str, Any]], ends_at: datetime, *, reachable: bool) -> str:
    line = f"Silence #{silence_id} of {matchers_text(matchers)} until {until(ends_at)}."
    if reachable:
        return f"{line} It is being made in Alertmanager."
    return f"{line} Alertmanager is unreachable; the silence will be made when it answers."


def expired(silence_id: int | None, *, reachable: bool) -> str:
    if reachable:
        return f"Silence #{silence_id} is expired; Alertmanager is told now."
    return f"Silence #{silence_id} is expired; Alertmanager is unreachable, and is told when it answers."


def silence_line(silence_id: int | None, by: str, ends_at: datetime, matchers: Sequence[dict[str, Any]]) -> str:
    return f"*#{silence_id}* {matchers_text(matchers)} — by <@{by}>, until {until(ends_at)}"


def timeline_silenced(silence_id: int | None, matchers: Sequence[dict[str, Any]], ends_at: datetime) -> str:
    return f"Silenced {matchers_text(matchers)} until {ends_at:%Y-%m-%d %H:%M UTC} (silence #{silence_id})"


def timeline_expired(silence_id: int | None) -> str:
    return f"Expired silence #{silence_id}"


def timeline_ended(silence_id: int | None) -> str:
    return f"Silence #{silence_id} ended"


def ending(silence_id: int | None, matchers: Sequence[dict[str, Any]], ends_at: datetime) -> str:
    """Told once in the silence's channel, `reminders.silence_warning` before it ends."""
    again = " ".join(matcher_token(m) for m in matchers)
    return (
        f":hourglass_flowing_sand: Silence #{silence_id} of {matchers_text(matchers)} ends {until(ends_at)}."
        f" To keep these alerts quiet, make another: `/alert silence 1h {again}`; or let it end."
    )


EXPIRE_BUTTON = "Expire"
ACK_BUTTON = "Acknowledge"
SILENCE_HOUR_BUTTON = "Silence 1h"
SILENCE_FORM_BUTTON = "Silence…"
FORM_TITLE = "Silence in Alertmanager"
FORM_SUBMIT = "Silence"
FORM_MATCHERS = "Matchers, one a line (label=value, label!=value, label=~regex)"
FORM_DURATION = "For how long"
FORM_COMMENT = "Comment"
NOTHING_TO_SILENCE = "These alerts are gone: there is nothing to silence."


def silenced_note(ends_at: datetime, by: str) -> str:
    return f":no_bell: silenced until {until(ends_at)} by <@{by}>"


def acknowledged_note(by: str) -> str:
    return f":eyes: acknowledged by <@{by}>"


def group_acknowledged(by: str) -> str:
    return f"Acknowledged by <@{by}>."


def already_acknowledged(by: str) -> str:
    return f"<@{by}> acknowledged these alerts already."

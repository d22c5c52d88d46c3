"""Maintenance windows: `/alert maintenance …` replies, the window's message in the alerts channel, announcements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.texts.alert_actions import matchers_text, until
from bot.texts.common import quoted, with_usage

USAGE = (
    "`/alert maintenance start <duration> <label=value …> [--silence] [-- reason]` · `/alert maintenance list`"
    " · `/alert maintenance end <id>`"
)
NEEDS_DURATION = with_usage("Say how long the window lasts, like `/alert maintenance start 2h env=staging`.", USAGE)
NEEDS_MATCHERS = with_usage(
    "Say which alerts the window holds with label=value matchers, like `service=checkout`.", USAGE
)
NAME_THE_WINDOW = with_usage("Name the window to end by its number, as `/alert maintenance list` shows it.", USAGE)
NONE_ACTIVE = "No maintenance window is active."
SILENCE_FLAG = "--silence"
MOST_DAYS = 30


def usage(problem: str) -> str:
    return with_usage(problem, USAGE)


def not_a_verb(word: str) -> str:
    return usage(f"{quoted(word)} is not something maintenance windows do: start, list or end.")


def too_long(days: int = MOST_DAYS) -> str:
    return usage(f"A maintenance window lasts at most {days} days.")


def no_such_window(named: str) -> str:
    return f"There is no active maintenance window {quoted(named)}. See them with `/alert maintenance list`."


def _window(window_id: int | None, name: str, matchers: Sequence[dict[str, Any]], ends_at: datetime) -> str:
    return f"Maintenance window #{window_id} ({name}) for {matchers_text(matchers)} until {until(ends_at)}"


def started(
    window_id: int | None, name: str, matchers: Sequence[dict[str, Any]], ends_at: datetime, *, silenced: bool
) -> str:
    also = " An Alertmanager silence mirrors it." if silenced else ""
    return f"{_window(window_id, name, matchers, ends_at)} is on: matching alerts are held, nobody is paged.{also}"


def announced_start(
    window_id: int | None, name: str, matchers: Sequence[dict[str, Any]], ends_at: datetime, reason: str, by: str | None
) -> str:
    who = f" by <@{by}>" if by else ""
    why = f" Reason: {reason}" if reason else ""
    return f":construction: {_window(window_id, name, matchers, ends_at)} started{who}.{why}"


def announced_end(window_id: int | None, name: str, by: str | None, released: int) -> str:
    who = f" by <@{by}>" if by else " (its time is up)"
    again = f" {released} held alert(s) still firing are handled as new now." if released else ""
    return f":white_check_mark: Maintenance window #{window_id} ({name}) ended{who}.{again}"


def ended(window_id: int | None) -> str:
    return f"Maintenance window #{window_id} is ended; alerts it held that still fire are handled as new."


def list_line(
    window_id: int | None, name: str, matchers: Sequence[dict[str, Any]], ends_at: datetime, held: int
) -> str:
    return f"*#{window_id}* {name}: {matchers_text(matchers)} until {until(ends_at)} — {held} alert(s) held"


def held_message(window_id: int | None, name: str, ends_at: datetime, lines: Sequence[str], *, active: bool) -> str:
    state = f"until {until(ends_at)}" if active else "ended (those still firing are handled as new)"
    head = f":construction: Maintenance window #{window_id} ({name}), {state}: {len(lines)} alert(s) held"
    return "\n".join([head, *(f"• {line}" for line in lines)])


def silence_comment(window_id: int | None, name: str, reason: str) -> str:
    return f"Maintenance window #{window_id} ({name}) {reason}".strip()

"""Pages, acknowledgements and escalations: what the people paged and the incident channel read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.texts.common import quoted

ACK_BUTTON = "Acknowledge"
ESCALATE_BUTTON = "Escalate now"
PAGE_USAGE = "`/incident page <policy|schedule|@person> [message]`"
NAME_THE_POLICY = "Name what to page after --page: an escalation policy, a schedule or an @person (once)."


def page(ref: str, title: str, severity: str, channel: str | None, where: str, message: str, late: str) -> str:
    link = f" in <#{channel}>" if channel else ""
    said = f"\n> {message}" if message else ""
    return f":rotating_light: You are paged for *{ref}* {title} ({severity}){link} — {where}.{late}{said}"


def group_page(mention: str, ref: str, title: str, severity: str, where: str, late: str) -> str:
    return f":rotating_light: {mention} paged for *{ref}* {title} ({severity}) — {where}.{late}"


def step_of(step: int, steps: int, policy: str, round_: int) -> str:
    again = f", round {round_ + 1}" if round_ else ""
    return f"step {step + 1} of {steps} of *{policy}*{again}"


def late(by: timedelta) -> str:
    minutes = max(1, int(by.total_seconds() // 60))
    return f" (late by {minutes} min: the bot was down or busy)"


def paging(targets: Sequence[str], where: str) -> str:
    return f":rotating_light: Paging {', '.join(targets)} ({where})."


def paged(kind: str, target: str) -> str:
    """Who or what a page reached, as the channel, the web page and the postmortem show it.

    A routing key lets anyone page the service, and a webhook's path often holds a token: neither is shown.
    """
    if kind == "pagerduty":
        return "PagerDuty"
    if kind == "webhook":
        return f"webhook ({urlsplit(target).hostname})"
    return target


def nobody_to_page(where: str) -> str:
    return f":warning: Nobody to page at {where}: the schedules it names have nobody on call."


def exhausted(policy: str, ref: str) -> str:
    return f":warning: *{policy}* ran out of steps and nobody acknowledged *{ref}*. Page someone: {PAGE_USAGE}."


def acknowledged(by: str, ref: str, at: datetime) -> str:
    return f":white_check_mark: <@{by}> acknowledged *{ref}* at {at:%H:%M %Z}; paging stopped."


def already_acknowledged(ref: str) -> str:
    return f"*{ref}* is acknowledged already, and nobody is being paged for it."


def started(policy: str, ref: str) -> str:
    return f"Paging for *{ref}* with *{policy}*."


def nothing_to_escalate(ref: str) -> str:
    return f"Nobody is being paged for *{ref}*: page someone with {PAGE_USAGE}."


def escalated(ref: str) -> str:
    return f"Escalating *{ref}* to the next step now."


def no_such_target(name: str, policies: Sequence[str], schedules: Sequence[str]) -> str:
    known = ", ".join([*policies, *schedules]) or "none configured"
    return (
        f"{quoted(name)} is neither an escalation policy nor a schedule ({known}), nor an @person. Usage: {PAGE_USAGE}"
    )


def timeline_paged(targets: Sequence[str], where: str) -> str:
    return f"Paged {', '.join(targets)} ({where.replace('*', '')})"


def rearmed(ref: str, by: str | None, since: timedelta, policy: str) -> str:
    who = f" by <@{by}>" if by else ""
    minutes = max(1, int(since.total_seconds() // 60))
    return (
        f":alarm_clock: *{ref}* was acknowledged{who} {minutes} min ago and has had no status update or note"
        f" since: paging again with *{policy}*."
    )

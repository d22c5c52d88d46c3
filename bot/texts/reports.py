"""Reports: `oncall-bot report`, `/report` and the posted review (docs/reports.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from bot.texts.common import quoted

PERIODS = ("7d", "30d", "90d")
USAGE = "`/report [7d|30d|90d] [service]`"
CLI_PERIOD = "--period is 7d, 30d or 90d, or give --from and --to as dates (like 2026-11-01)"


def one_service(words: list[str]) -> str:
    return f"Name one service, not {len(words)} ({quoted(' '.join(words))}): {USAGE}"


def bad_period(text: str) -> str:
    return f"{quoted(text)} is not a report period: use 7d, 30d or 90d, or a from/to pair of dates (like 2026-11-01)."


def bad_date(option: str, text: str) -> str:
    return f"{option} {text!r} is not a date: write it as YYYY-MM-DD, like 2026-11-01."


def backwards(start: str, end: str) -> str:
    return f"--from {start} is not before --to {end}: give the earlier date first."


def too_long(days: int, most: int) -> str:
    return f"a report covers at most {most} days, not {days}: narrow --from/--to."


def private_title(number: int) -> str:
    """A private incident is counted, and listed by number only: its title stays in its channel."""
    return f"INC-{number} (private)"


def heading(period: str, service: str | None) -> str:
    return f"Operations review, {period}" + (f", service {service}" if service else "")


NO_ZONE = "zone unknown: the bot's timezone is used"


def incidents_line(opened: int, change: str, resolved: int) -> str:
    return f"Incidents: {opened} opened ({change}), {resolved} resolved"


def time_line(what: str, p50: str, p90: str, change: str, before: str) -> str:
    """`what` is "acknowledge" or "resolve"; the change is the p50's against the previous period's."""
    return f"Time to {what}: p50 {p50}, p90 {p90} ({change} vs {before})"


def postmortems_line(on_time: int, late: int, overdue: int, due: int) -> str:
    return f"Postmortems: {on_time} on time, {late} late, {overdue} overdue, of {due}"


def follow_ups_line(done: int, open_: int, overdue: int) -> str:
    return f"Follow-ups: {done} done, {open_} open, {overdue} overdue"


def slos_line(met: int, at_risk: int, failed: int) -> str:
    return f"SLOs: {met} met, {at_risk} at risk, {failed} failed"


def rule_line(rule: str, firings: int, flapping: bool) -> str:
    return f"Noisiest alert rule: {rule} ({firings} firings{', flapping' if flapping else ''})"


def paged_line(person: str, pages: int, sleep: int) -> str:
    return f"Most paged: {person} ({pages} pages, {sleep} in sleep hours)"


def page_url(base: str, period: str, services: list[str]) -> str:
    """The web page of a period's report (handlers/web/reports.py)."""
    query = urlencode([("period", period), *(("service", service) for service in services)])
    return f"{base.rstrip('/')}/reports?{query}"


def full_report(link: str) -> str:
    return f"<{link}|The full report>"


CHART_ALT = "Time to acknowledge and resolve over the last periods; incidents per week by severity"

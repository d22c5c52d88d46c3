"""A report as Slack reads it: the headline figures and their trends, for `/report` and the posted review.

The numbers are the tables' own cells (bot/reports/tables.py), so Slack, the CLI and the web page agree.
"""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.reports.figures import Durations
from bot.reports.report import Report
from bot.reports.tables import duration, trend
from bot.slack.mrkdwn import escape


def _time(what: str, now: Durations, before: Durations) -> str:
    change = trend(now.p50, before.p50)
    return texts.reports.time_line(what, duration(now.p50), duration(now.p90), change, duration(before.p50))


def headline(report: Report) -> list[str]:
    now, before = report.current.all, report.previous.all
    pm, slos, owners = report.postmortems, report.slos, report.follow_ups
    words = texts.reports
    lines = [
        words.incidents_line(now.opened, trend(now.opened, before.opened), now.resolved),
        _time("acknowledge", now.acknowledge, before.acknowledge),
        _time("resolve", now.resolve, before.resolve),
        words.postmortems_line(pm.drafted_on_time, pm.drafted_late, pm.overdue, pm.due),
        words.follow_ups_line(sum(o.done for o in owners), sum(o.open for o in owners), sum(o.overdue for o in owners)),
        words.slos_line(len(slos.met), len(slos.at_risk), len(slos.failed)),
    ]
    if report.rules:
        lines.append(words.rule_line(report.rules[0].rule, report.rules[0].firings, report.rules[0].flapping))
    paged = [one for one in report.load if one.pages]
    if paged:
        lines.append(words.paged_line(report.name(paged[0].person), paged[0].pages, paged[0].sleep))
    return lines


def text(report: Report, link: str | None = None) -> str:
    title = texts.reports.heading(report.period.label, ", ".join(report.services) or None)
    body = "\n".join(f"• {escape(line)}" for line in headline(report))
    more = "\n" + texts.reports.full_report(link) if link else ""
    return f"*{escape(title)}*\n{body}{more}"


def blocks(report: Report, *, link: str | None, chart_file_id: str | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text(report, link)}}]
    if chart_file_id:
        found.append(
            {
                "type": "image",
                "slack_file": {"id": chart_file_id},
                "alt_text": texts.reports.CHART_ALT,
            }
        )
    return found

"""What people read about SLOs in Slack: the weekly digest (Block Kit) and the `/slo` replies (mrkdwn).

Names, services, errors and incident titles come from config and users, so all of them are escaped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.incidents.messaging import HEADER_LIMIT, SEVERITY_EMOJI, humanize
from bot.incidents.models import Severity
from bot.slack.mrkdwn import SECTION_LIMIT, Mrkdwn, channel_link, date, escape, truncate
from bot.slo.chart import sparkline
from bot.slo.math import BURN_WINDOWS, WHOLE_WINDOW
from bot.slo.models import SloKind, SloStatus
from bot.slo.report import BudgetSeries, Digest, DigestIncident, SloReport
from bot.slo.rules import BurnRule, breaching
from bot.values.durations import format_duration

STATUS_EMOJI = {
    SloStatus.FAIL: ":red_circle:",
    SloStatus.AT_RISK: ":large_orange_circle:",
    SloStatus.NO_DATA: ":white_circle:",
    SloStatus.PASS: ":large_green_circle:",
}
WORST_FIRST = (SloStatus.FAIL, SloStatus.AT_RISK, SloStatus.NO_DATA, SloStatus.PASS)
SUMMARY_ORDER = (SloStatus.PASS, SloStatus.AT_RISK, SloStatus.FAIL, SloStatus.NO_DATA)
NO_SLOS = "No SLOs are configured. Add them under `slos:` in ONCALL_CONFIG (docs/slo.md)."
INCIDENTS_TITLE = "*Incidents this week that spent budget*"
# Slack takes 50 blocks a message; one is kept free for the chart's image block, which bot/slo/digest.py adds.
MAX_BLOCKS, CHART_BLOCKS, MAX_INCIDENT_BLOCKS = 50, 1, 3
# Config and exception text can be long; an entry stays short enough to pack several per section.
SERVICE_LIMIT, ERROR_LIMIT, TITLE_LIMIT = 80, 300, 150


def status_label(status: SloStatus) -> str:
    return status.value.replace("_", " ")


def format_percent(ratio: float | None, *, digits: int | None = None) -> str:
    """0.9995 → `99.95 %`; at most `digits` decimals (as many as the value needs when None), `–` for None.

    A value is never rounded onto a boundary it did not reach: 0.99999 is not `100 %`, −0.001 not `0 %`.
    """
    if ratio is None:
        return "–"
    percent = ratio * 100
    places = _decimals(percent) if digits is None else digits
    while places < 6 and _hides_difference(percent, places):
        places += 1
    text = f"{percent:.{places}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{'0' if text == '-0' else text} %"


def _decimals(value: float, *, most: int = 3) -> int:
    """The fewest decimals that write `value` exactly (99.9 → 1), ignoring float noise; `most` at worst."""
    return next((d for d in range(most) if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value))), most)


def _hides_difference(percent: float, places: int) -> bool:
    shown = round(percent, places)
    return any(shown == edge and abs(percent - edge) > 1e-9 for edge in (0.0, 100.0))


def format_points(delta: float) -> str:
    """A change of budget remaining in percentage points, with its direction: `↓ 14 pp`."""
    points = round(delta * 100)
    arrow = "↑" if points > 0 else "↓" if points < 0 else "→"
    return f"{arrow} {abs(points)} pp"


def format_burn_rate(rate: float | None) -> str:
    if rate is None:
        return "–"
    places = 0 if rate >= 100 else 1 if rate >= 1 else 2
    text = f"{rate:.{places}f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "×"


def format_threshold(threshold: timedelta) -> str:
    """300 ms, 1.5 s, or `2m` past a minute."""
    seconds = threshold.total_seconds()
    if seconds < 1:
        return f"{round(seconds * 1000, 3):g} ms"
    return f"{round(seconds, 3):g} s" if seconds < 60 else format_duration(threshold)


def worst_first(reports: Sequence[SloReport]) -> list[SloReport]:
    """FAIL, AT RISK, NO DATA, PASS; within one status the least budget left first."""
    rank = {status: index for index, status in enumerate(WORST_FIRST)}

    def key(report: SloReport) -> tuple[int, float, str]:
        remaining = math.inf if report.budget_remaining is None else report.budget_remaining
        return rank[report.status], remaining, report.name

    return sorted(reports, key=key)


def summary_line(reports: Sequence[SloReport]) -> str:
    """`5 SLOs: 3 PASS · 1 AT RISK · 1 FAIL` (statuses no SLO has are left out)."""
    counts = Counter(report.status for report in reports)
    parts = [f"{counts[status]} {status_label(status)}" for status in SUMMARY_ORDER if counts[status]]
    return f"{len(reports)} SLO{'' if len(reports) == 1 else 's'}: {' · '.join(parts)}"


def _attainment_digits(target: float) -> int:
    """One decimal more than the objective is written with: 99.9 % → 99.95 %."""
    return min(_decimals(target * 100) + 1, 4)


def attainment_text(report: SloReport) -> str:
    """`99.95 % vs 99.9 %`, `99.62 % vs 99 % under 300 ms` or `errors 0.05 % (max 0.1 %)`."""
    if report.kind == SloKind.ERROR_RATE:
        return f"errors {_error_rate_text(report)}"
    attained = format_percent(report.attainment, digits=_attainment_digits(report.objective))
    under = f" under {format_threshold(report.threshold)}" if report.threshold is not None else ""
    return f"{attained} vs {format_percent(report.objective)}{under}"


def _error_rate_text(report: SloReport) -> str:
    """`0.05 % (max 0.1 %)`: an error-rate SLO is read as its errors, the complement of attainment."""
    allowed = 1 - report.objective
    errors = None if report.attainment is None else 1 - report.attainment
    return f"{format_percent(errors, digits=_attainment_digits(allowed))} (max {format_percent(allowed)})"


def objective_text(report: SloReport) -> str:
    """What the SLO promises: `99 % under 300 ms`, `errors at most 0.1 %`."""
    if report.kind == SloKind.ERROR_RATE:
        return f"errors at most {format_percent(1 - report.objective)}"
    under = f" under {format_threshold(report.threshold)}" if report.threshold is not None else ""
    slices = f" {report.slices}" if report.slices else ""
    return f"{format_percent(report.objective)}{under}{slices}"


def budget_percent(remaining: float | None) -> str:
    """`18 %`, or `-52 % (overspent)` once the budget is gone."""
    shown = format_percent(remaining, digits=0)
    return f"{shown} (overspent)" if remaining is not None and remaining < 0 else shown


def budget_text(report: SloReport) -> str:
    if report.budget_remaining is not None and report.budget_remaining < 0:
        return f"budget {budget_percent(report.budget_remaining)}"
    return f"budget {budget_percent(report.budget_remaining)} left"


def trend_text(now: SloReport, then: SloReport | None) -> str:
    """`↓ 14 pp vs last week (62 % → 48 %)`, or `new this week`."""
    if then is None:
        return "new this week"
    before, after = (
        "no data" if r.budget_remaining is None else format_percent(r.budget_remaining, digits=0) for r in (then, now)
    )
    if now.budget_remaining is None or then.budget_remaining is None:
        return f"vs last week: budget {before} → {after}"
    return f"{format_points(now.budget_remaining - then.budget_remaining)} vs last week ({before} → {after})"


def _title_line(report: SloReport) -> str:
    service = escape(truncate(report.service, SERVICE_LIMIT))
    return f"{STATUS_EMOJI[report.status]} *{status_label(report.status)}* · *{escape(report.name)}* · {service}"


def _no_data_reason(report: SloReport) -> str:
    return escape(truncate(report.error or "no traffic in the window", ERROR_LIMIT))


def digest_entry(report: SloReport, then: SloReport | None) -> str:
    """One SLO in the digest, three short lines that fit a phone."""
    if report.status == SloStatus.NO_DATA:
        measured = f"No data: {_no_data_reason(report)}"
    else:
        burning = " · :fire: burning fast" if report.fast_burn else ""
        measured = f"{attainment_text(report)} · {budget_text(report)}{burning}"
        progress = report.period_text()
        if progress is not None:  # "December, 29 of 31 days in: 99.93 % vs 99.9 % · budget 41 % left"
            measured = f"{escape(progress)}: {measured}"
    return f"{_title_line(report)}\n{measured}\n{trend_text(report, then)}"


def incident_line(incident: DigestIncident) -> str:
    severity = Severity.parse(incident.severity)
    shown = f"{SEVERITY_EMOJI[severity]} {severity}" if severity else escape(incident.severity)
    where = f" in {channel_link(incident.channel_id)}" if incident.channel_id else ""
    title = escape(truncate(incident.title, TITLE_LIMIT))
    service = escape(truncate(incident.service, SERVICE_LIMIT))
    impact = humanize(incident.impact.total_seconds())
    return f"• *{incident.ref}*{where} · {shown} · {title} · {service} · {impact} impact"


def _pack(entries: Sequence[str], *, blocks: int, per: int, separator: str, what: str) -> list[str]:
    """`per` entries a text, at most `blocks` texts within the section limit; the rest counted at the end."""
    room = SECTION_LIMIT - 100  # the "…and N more" note must still fit
    texts: list[list[str]] = []
    size = 0
    for index, entry in enumerate(entries):
        if texts and len(texts[-1]) < per and size + len(separator) + len(entry) <= room:
            texts[-1].append(entry)
            size += len(separator) + len(entry)
        elif len(texts) < blocks:
            texts.append([truncate(entry, room)])
            size = len(texts[-1][0])
        else:
            texts[-1].append(f"…and {len(entries) - index} more {what}")
            break
    return [separator.join(text) for text in texts]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _local_day(at: datetime, zone: ZoneInfo, *, year: bool = True) -> str:
    local = at.astimezone(zone)
    return f"{local.day} {local:%b %Y}" if year else f"{local.day} {local:%b}"


def _context(digest: Digest, zone: ZoneInfo) -> str:
    last_day = digest.end - timedelta(microseconds=1)  # the week is [start, end)
    same_year = digest.start.astimezone(zone).year == last_day.astimezone(zone).year
    first = _local_day(digest.start, zone, year=not same_year)
    week = f"Week {first} – {_local_day(last_day, zone)} ({escape(zone)})"
    rolling = sorted({report.window for report in digest.reports if report.period is None})
    calendar = sorted({report.window_text for report in digest.reports if report.period is not None})
    spans = [f"{', '.join(format_duration(w) for w in rolling)} windows"] if rolling else []
    budgets = f" · budgets over {escape(', '.join([*spans, *calendar]))}" if spans or calendar else ""
    evaluated = max((report.at for report in digest.reports), default=digest.end)
    return f"{week}{budgets} · evaluated {date(evaluated)}"


def digest_message(digest: Digest, *, zone: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """The weekly SLO digest: notification text and blocks, worst SLO first, within Block Kit's limits."""
    header = f"SLO digest · week of {_local_day(digest.start, zone)}"
    reports = worst_first(digest.reports)
    summary = summary_line(reports) if reports else NO_SLOS
    private = digest.private_incidents
    hidden = [f"• {private} private incident{'s' if private != 1 else ''}"] if private else []
    incident_lines = [*(incident_line(incident) for incident in digest.incidents), *hidden] or ["none"]
    incident_texts = _pack(
        [INCIDENTS_TITLE, *incident_lines],
        blocks=MAX_INCIDENT_BLOCKS,
        per=len(incident_lines) + 1,
        separator="\n",
        what="incidents",
    )
    # header, summary, divider and context, the incidents and the chart: the SLOs share what is left.
    room = MAX_BLOCKS - CHART_BLOCKS - 4 - len(incident_texts)
    entries = [digest_entry(report, digest.last_week.get(report.name)) for report in reports]
    # One SLO a section while they fit, else as few a section as spreads them over the room left.
    per = max(1, math.ceil(len(entries) / room))
    slo_texts = _pack(entries, blocks=room, per=per, separator="\n\n", what="SLOs: see `/slo list`")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(header, HEADER_LIMIT)}},
        _section(f"*{summary}*" if reports else summary),
        *(_section(text) for text in slo_texts),
        {"type": "divider"},
        *(_section(text) for text in incident_texts),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _context(digest, zone)}]},
    ]
    return _fallback(header, summary, reports), blocks


def _fallback(header: str, summary: str, reports: Sequence[SloReport]) -> str:
    failing = [escape(report.name) for report in reports if report.status == SloStatus.FAIL]
    shown = ", ".join(failing[:3]) + (f" and {len(failing) - 3} more" if len(failing) > 3 else "")
    return f"{header} — {summary}" + (f". Failing: {shown}" if failing else "")


def slo_list_line(report: SloReport) -> str:
    service = escape(truncate(report.service, SERVICE_LIMIT))
    head = f"{STATUS_EMOJI[report.status]} *{escape(report.name)}* · {service}"
    if report.status == SloStatus.NO_DATA:
        return f"{head} · no data: {_no_data_reason(report)}"
    return f"{head} · {attainment_text(report)} · {budget_text(report)}"


def slo_list_text(reports: Sequence[SloReport]) -> Mrkdwn:
    """The `/slo list` reply: a summary, then one line per SLO, worst first."""
    if not reports:
        return Mrkdwn(NO_SLOS)
    ordered = worst_first(reports)
    return Mrkdwn("\n".join([f"*{summary_line(ordered)}*", *(slo_list_line(report) for report in ordered)]))


def burn_rates_text(rates: Mapping[str, float | None]) -> str:
    """`5m 0.4× · 1h 0.8× · … · window 0.9×`, `–` where a window has no rate; then those only burn rules use."""
    names = dict.fromkeys([*BURN_WINDOWS, *(name for name in rates if name != WHOLE_WINDOW), WHOLE_WINDOW])
    return " · ".join(f"{name} {format_burn_rate(rates.get(name))}" for name in names)


_OPS = {"gt": "over", "gte": "at or over", "lt": "under", "lte": "at or under"}


def fast_burn_text(rates: Mapping[str, float | None], rules: Sequence[BurnRule]) -> str:
    """Which burn rule breaches: `1h 15.2× and 5m 18× are both over 14.4×`, `1h 2.5× is over 2×`."""
    fired = [
        " and ".join(f"{name} {format_burn_rate(rates.get(name))}" for name in rule.windows)
        + (" are both " if len(rule.windows) > 1 else " is ")
        + f"{_OPS[rule.op]} {format_burn_rate(rule.burn_rate)}"
        for rule in breaching(rules, rates)
    ]
    reason = "; ".join(fired) if fired else "the budget is being spent much faster than it refills"
    return f":rotating_light: *Burning fast*: {reason}"


def history_text(history: BudgetSeries, window: str) -> str:
    values = [point.budget_remaining for point in history.points]
    if not values:
        return f"Budget over {escape(window)}: no history yet"
    first, last = (format_percent(value, digits=0) for value in (values[0], values[-1]))
    return f"Budget over {escape(window)}: `{sparkline(values)}` {first} → {last}"


def slo_show_text(report: SloReport, history: BudgetSeries) -> Mrkdwn:
    """The `/slo show <name>` reply: everything about one SLO, with its budget's course as a sparkline."""
    attained = (
        f"Errors: {_error_rate_text(report)}"
        if report.kind == SloKind.ERROR_RATE
        else f"Attainment: {format_percent(report.attainment, digits=_attainment_digits(report.objective))}"
    )
    lines = [
        _title_line(report),
        f"Objective: {objective_text(report)} over {escape(report.window_text)}",
        attained,
        f"Budget remaining: {budget_percent(report.budget_remaining)}",
        f"Burn rates: {burn_rates_text(report.burn_rates)}",
    ]
    if report.fast_burn:
        lines.append(fast_burn_text(report.burn_rates, report.burn_rules))
    progress = report.period_text()
    if progress is not None:
        lines.insert(2, f"Period: {escape(progress)}")
    lines.append(history_text(history, report.window_text))
    if report.error:
        lines.append(f"Error: {escape(truncate(report.error, ERROR_LIMIT))}")
    lines.append(f"Last evaluated {date(report.at)}")
    return Mrkdwn("\n".join(lines))

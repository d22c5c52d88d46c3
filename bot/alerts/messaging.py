"""Slack messages about alerts: an incident's alert list, an alert group's post, the all-clear."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.incidents.messaging import SECTION_LIMIT, resolve_button
from bot.incidents.models import reference
from bot.slack.mrkdwn import date, escape, truncate
from storage.tables import Alert

# One section per alert; Slack allows 50 blocks in a message and we keep room for the header lines.
MAX_LISTED = 40
DASHBOARD_ANNOTATIONS = ("dashboard_url", "dashboard", "grafana_url", "panel_url")
STATUS_EMOJI = {"firing": ":rotating_light:", "resolved": ":white_check_mark:"}


def _link(url: str, label: str) -> str:
    # Slack's link syntax breaks on | and >; such URLs are rare enough to show as plain text.
    if not url.startswith(("http://", "https://")) or any(char in url for char in "|<> "):
        return f"{label}: {escape(url)}"
    return f"<{escape(url)}|{label}>"


def _links(alert: Alert) -> list[str]:
    links = []
    if alert.runbook_url:
        links.append(_link(alert.runbook_url, "Runbook"))
    for name in DASHBOARD_ANNOTATIONS:
        if alert.annotations.get(name):
            links.append(_link(alert.annotations[name], "Dashboard"))
            break
    if alert.generator_url:
        links.append(_link(alert.generator_url, "Source"))
    return links


def alert_line(alert: Alert) -> str:
    """One alert, compact: status, what, how bad, since when, where to look."""
    head = f"{STATUS_EMOJI.get(alert.status, '')} *{escape(alert.summary)}*"
    facts = [escape(alert.severity)] if alert.severity else []
    for label in ("service", "instance", "job"):
        if alert.labels.get(label):
            facts.append(f"{label}={escape(alert.labels[label])}")
    facts.append(f"since {date(alert.starts_at, style='{time}')}")
    if alert.status == "resolved" and alert.ends_at is not None:
        facts.append(f"resolved {date(alert.ends_at, style='{time}')}")
    if alert.fired_count > 1:
        facts.append(f"fired {alert.fired_count}×")
    lines = [head, " · ".join(facts)]
    if alert.description:
        lines.append(truncate(escape(alert.description), 300))
    links = _links(alert)
    if links:
        lines.append(" · ".join(links))
    return "\n".join(lines)


def _counts(alerts: Sequence[Alert]) -> tuple[int, int]:
    firing = sum(1 for alert in alerts if alert.status == "firing")
    return firing, len(alerts) - firing


def _ordered(alerts: Sequence[Alert]) -> list[Alert]:
    """Firing first, newest first within each."""
    return sorted(alerts, key=lambda alert: (alert.status != "firing", -alert.starts_at.timestamp()))


def alert_list(alerts: Sequence[Alert], *, heading: str) -> tuple[str, list[dict[str, Any]]]:
    firing, resolved = _counts(alerts)
    text = f"{heading}: {firing} firing, {resolved} resolved"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(f"*{escape(text)}*", SECTION_LIMIT)}}
    ]
    ordered = _ordered(alerts)
    for alert in ordered[:MAX_LISTED]:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(alert_line(alert), SECTION_LIMIT)}}
        )
    hidden = ordered[MAX_LISTED:]
    if hidden:
        hidden_firing = sum(1 for alert in hidden if alert.status == "firing")
        more = f"…and {len(hidden)} more ({hidden_firing} firing), oldest not shown."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return text, blocks


def incident_alerts(number: int, alerts: Sequence[Alert]) -> tuple[str, list[dict[str, Any]]]:
    return alert_list(alerts, heading=f"Alerts of {reference(number)}")


def group_message(alerts: Sequence[Alert], *, incident_number: int | None) -> tuple[str, list[dict[str, Any]]]:
    firing, _ = _counts(alerts)
    first = _ordered(alerts)[0] if alerts else None
    name = first.labels.get("alertname") or first.summary if first else "Alerts"
    state = f"FIRING:{firing}" if firing else "RESOLVED"
    text, blocks = alert_list(alerts, heading=f"[{state}] {name}")
    if incident_number is not None:
        note = f"Tracked in {reference(incident_number)}."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return text, blocks


def all_resolved(number: int, count: int) -> tuple[str, list[dict[str, Any]]]:
    """The all-clear, with the button that resolves the incident (the summary's own action)."""
    ref = reference(number)
    what = "The alert" if count == 1 else f"All {count} alerts"
    text = (
        f":white_check_mark: {what} of {ref} {'has' if count == 1 else 'have'} resolved. If it is over, resolve {ref}."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": f"alerts_resolved_{number}",
            "elements": [resolve_button(number, label=f"Resolve {ref}")],
        },
    ]
    return text, blocks

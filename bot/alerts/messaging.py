"""Slack messages about alerts: an incident's alert list, an alert group's post, a storm's rollup, the all-clear."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.alerts.views import Link, facts, rule_name
from bot.incidents.messaging import resolve_button
from bot.incidents.models import reference
from bot.slack.mrkdwn import SECTION_LIMIT, channel_link, date, escape, truncate
from storage.queries.alerts import RolledAlert
from storage.tables import Alert, AlertGroup, Incident

# One section per alert; Slack allows 50 blocks in a message and we keep room for the header lines.
MAX_LISTED = 40
# An alert's line names this many labels; the rest are counted (Kubernetes alerts carry dozens).
MAX_LABELS = 8
# Every value an alert brings is the sender's, of any length; each is cut before it is escaped, so a
# message stays within Slack's limits (a section's 3,000 characters; a chat.update with too long a
# `text` is refused, msg_too_long, and the message would stay as it was, FIRING) and no cut falls
# inside an escape or a link.
NAME_LIMIT, SUMMARY_LIMIT, LABELS_LIMIT, DESCRIPTION_LIMIT, LINK_LIMIT = 150, 500, 500, 300, 500
STATUS_EMOJI = {"firing": ":rotating_light:", "resolved": ":white_check_mark:"}


def one_line(name: str) -> str:
    """A name on one line, cut to NAME_LIMIT: its own line breaks would break a heading or a list."""
    return truncate(" ".join(name.split()), NAME_LIMIT)


def _link(link: Link) -> str:
    # Slack's link syntax breaks on | and >; such URLs are rare enough to show as plain text, and so
    # is one too long to keep whole (a cut URL would lead nowhere).
    url, label = link.url, escape(truncate(link.label, NAME_LIMIT))
    if not url.startswith(("http://", "https://")) or any(char in url for char in "|<> ") or len(url) > LINK_LIMIT:
        return f"{label}: {escape(truncate(url, LINK_LIMIT))}"
    return f"<{escape(url)}|{label}>"


def alert_line(alert: Alert) -> str:
    """One alert: which rule fired, how bad, what it is about, since when, where to look."""
    shown = facts(alert)
    head = [f"{STATUS_EMOJI.get(alert.status, '')} *{escape(one_line(shown.name))}*"]
    if shown.severity:
        head.append(escape(one_line(shown.severity)))
    if shown.labels:
        head.append(escape(truncate(shown.label_text(limit=MAX_LABELS), LABELS_LIMIT)))
    lines = [" · ".join(head) + (f" — {escape(truncate(shown.summary, SUMMARY_LIMIT))}" if shown.summary else "")]
    if shown.description:
        lines.append(escape(truncate(shown.description, DESCRIPTION_LIMIT)))
    when = [escape(shown.source), f"since {date(alert.starts_at, style='{time}')}"]
    if alert.status == "resolved" and alert.ends_at is not None:
        when.append(f"resolved {date(alert.ends_at, style='{time}')}")
    if alert.fired_count > 1:
        when.append(f"fired {alert.fired_count}×")
    lines.append(" · ".join(when))
    if shown.links:
        lines.append(" · ".join(_link(link) for link in shown.links))
    return "\n".join(lines)


def _counts(alerts: Sequence[Alert]) -> tuple[int, int]:
    firing = sum(1 for alert in alerts if alert.status == "firing")
    return firing, len(alerts) - firing


def _ordered(alerts: Sequence[Alert]) -> list[Alert]:
    """Firing first, newest first within each."""
    return sorted(alerts, key=lambda alert: (alert.status != "firing", -alert.starts_at.timestamp()))


def alert_list(alerts: Sequence[Alert], *, heading: str) -> tuple[str, list[dict[str, Any]]]:
    firing, resolved = _counts(alerts)
    # The notification text is mrkdwn too: escaped as the blocks are, or an alert named <!channel> pings.
    text = f"{escape(heading)}: {firing} firing, {resolved} resolved"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}}]
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
    name = one_line(facts(first).name) if first else "Alerts"
    state = f"FIRING:{firing}" if firing else "RESOLVED"
    text, blocks = alert_list(alerts, heading=f"[{state}] {name}")
    if incident_number is not None:
        note = f"Tracked in {reference(incident_number)}."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return text, blocks


# Slack allows 50 blocks (https://api.slack.com/reference/block-kit/blocks): the heading, the lists,
# and the line counting the groups that did not fit.
MAX_ROLLUP_BLOCKS = 50
# Past this, a storm's list is too long to read: the rest are counted, not listed.
MAX_ROLLUP_LISTED = 100
# The names monitoring systems give severities, most severe first; any other name ranks after warning.
SEVERITY_RANK = {"critical": 0, "page": 0, "high": 1, "error": 1, "major": 1, "warning": 2, "warn": 2, "info": 4}
UNKNOWN_SEVERITY_RANK = 3


@dataclass(frozen=True)
class RolledGroup:
    """One alert group as its line in a storm rollup shows it."""

    name: str
    severity: str | None
    firing: int
    resolved: int
    team: str | None = None
    incident_number: int | None = None
    incident_channel_id: str | None = None  # linked only when the channel is public


def severity_rank(severity: str | None) -> int:
    if severity is None:
        return UNKNOWN_SEVERITY_RANK + 1
    return SEVERITY_RANK.get(severity.lower(), UNKNOWN_SEVERITY_RANK)


def rolled_groups(
    groups: Sequence[AlertGroup], alerts: Sequence[RolledAlert], incidents: Sequence[Incident]
) -> list[RolledGroup]:
    """Each group's line, most severe and firing first."""
    by_group: dict[int, list[RolledAlert]] = {}
    for alert in alerts:
        by_group.setdefault(alert.group_id, []).append(alert)
    links = {incident.id: None if incident.is_private else incident.channel_id for incident in incidents}
    lines = []
    for group in groups:
        members = by_group.get(group.id or 0, [])
        firing = [alert for alert in members if alert.status == "firing"]
        # Firing first, newest first: the alert a reader is most likely looking for names the group.
        ordered = sorted(members, key=lambda alert: (alert.status != "firing", -alert.starts_at.timestamp()))
        name = rule_name(ordered[0].labels, ordered[0].summary) if ordered else group.group_key
        severities = [alert.severity for alert in firing or members]
        lines.append(
            RolledGroup(
                name=name,
                severity=min(severities, key=severity_rank) if severities else None,
                firing=len(firing),
                resolved=len(members) - len(firing),
                team=group.team,
                incident_number=group.incident_id,
                incident_channel_id=links.get(group.incident_id) if group.incident_id is not None else None,
            )
        )
    return sorted(lines, key=lambda line: (not line.firing, severity_rank(line.severity), -line.firing, line.name))


def rollup_line(group: RolledGroup) -> str:
    # One line per group: a name's own line breaks would break the list.
    name = escape(one_line(group.name))
    head = f"{STATUS_EMOJI['firing' if group.firing else 'resolved']} *{name}*"
    facts = [escape(one_line(group.severity))] if group.severity else []
    facts.append(f"{group.firing} firing, {group.resolved} resolved")
    if group.team:
        facts.append(f"team {escape(group.team)}")
    if group.incident_number is not None:
        where = f" in {channel_link(group.incident_channel_id)}" if group.incident_channel_id else ""
        facts.append(f"tracked in {reference(group.incident_number)}{where}")
    return truncate(" · ".join([head, *facts]), SECTION_LIMIT)


def _totals(groups: Sequence[RolledGroup]) -> str:
    firing, resolved = sum(group.firing for group in groups), sum(group.resolved for group in groups)
    return f"{firing} firing, {resolved} resolved"


def _packed(lines: Sequence[str], *, max_sections: int) -> list[list[str]]:
    """Lines in as few sections as Slack's section limit allows, at most `max_sections`; the rest left out."""
    sections: list[list[str]] = []
    size = 0
    for line in lines:
        if sections and size + 1 + len(line) <= SECTION_LIMIT:
            sections[-1].append(line)
            size += 1 + len(line)
        elif len(sections) < max_sections:
            sections.append([line])
            size = len(line)
        else:
            break
    return sections


def rollup_message(groups: Sequence[RolledGroup], *, since: datetime) -> tuple[str, list[dict[str, Any]]]:
    """A storm's groups in one message: the alerts channel stays readable and within Slack's rate limit."""
    noun = "group" if len(groups) == 1 else "groups"
    text = f"Alert storm: {len(groups)} alert {noun} in one message, {_totals(groups)}"
    heading = (
        f":cyclone: *{text}*\nToo many alert groups at once for a message each, since {date(since)}."
        " This list is kept up to date, most severe first."
    )
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    lines = [rollup_line(group) for group in groups[:MAX_ROLLUP_LISTED]]
    sections = _packed(lines, max_sections=MAX_ROLLUP_BLOCKS - 2)
    for section in sections:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(section)}})
    hidden = groups[sum(len(section) for section in sections) :]
    if hidden:
        more = f"…and {len(hidden)} more {'group' if len(hidden) == 1 else 'groups'} ({_totals(hidden)})."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
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

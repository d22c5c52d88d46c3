"""Block Kit messages for an incident: the pinned summary and the announcement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.alerts.views import alert_from
from bot.incidents.models import OPEN_STATUSES, RoleName, Severity, Status, reference
from bot.incidents.snapshot import IncidentSnapshot
from bot.slack.mrkdwn import SECTION_LIMIT, channel_link, date, escape, mention, truncate

SEVERITY_EMOJI = {
    Severity.SEV1: ":red_circle:",
    Severity.SEV2: ":large_orange_circle:",
    Severity.SEV3: ":large_yellow_circle:",
    Severity.SEV4: ":white_circle:",
}
STATUS_EMOJI = {
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":bulb:",
    Status.MONITORING: ":eyes:",
    Status.RESOLVED: ":white_check_mark:",
    Status.CLOSED: ":lock:",
}
# Slack's limits: section text 3000, header 150, topic/purpose 250 characters.
HEADER_LIMIT, TOPIC_LIMIT = 150, 250

STATUS_ACTION, SEVERITY_ACTION, RESOLVE_ACTION = "incident_status", "incident_severity", "incident_resolve"


def humanize(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)}s"
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return " ".join(part for part in parts if part)


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _role_line(incident: IncidentSnapshot, role: RoleName) -> str:
    holder = incident.roles.get(role)
    return f"*{role.title}*\n{mention(holder) if holder else '_unassigned_'}"


def declarer(incident: IncidentSnapshot) -> str:
    return escape(alert_from(incident.origin)) if incident.opened_by_alert else mention(incident.declared_by)


def summary_text(incident: IncidentSnapshot) -> str:
    """The notification fallback of the summary message."""
    return f"{incident.ref} {incident.severity} {incident.status}: {escape(incident.title)}"


def summary_blocks(incident: IncidentSnapshot, *, now: datetime) -> list[dict[str, Any]]:
    """The pinned summary: what, how bad, where it stands, who is on it, and buttons to change that."""
    severity, status = incident.severity, incident.status
    fields = [
        f"*Severity*\n{SEVERITY_EMOJI[severity]} {severity}",
        f"*Status*\n{STATUS_EMOJI[status]} {status.capitalize()}",
        _role_line(incident, RoleName.COMMANDER),
        _role_line(incident, RoleName.COMMS),
        _role_line(incident, RoleName.SCRIBE),
        f"*Declared*\n{date(incident.declared_at)} by {declarer(incident)}",
    ]
    if incident.acknowledged_at is not None and incident.acknowledged_by is not None:
        fields.append(f"*Acknowledged*\n{date(incident.acknowledged_at)} by {mention(incident.acknowledged_by)}")
    if incident.resolved_at is not None:
        fields.append(f"*Resolved*\n{date(incident.resolved_at)}")
        fields.append(f"*Duration*\n{humanize((incident.resolved_at - incident.declared_at).total_seconds())}")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(f"{incident.ref}: {incident.title}", HEADER_LIMIT),
            },
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": field} for field in fields]},
    ]
    for label, text in (("Summary", incident.summary), ("Impact", incident.impact)):
        if text:
            body = truncate(f"*{label}*\n{escape(text)}", SECTION_LIMIT)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
    if status.is_open:
        blocks.append(_actions(incident))
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Last updated {date(now)}"}]},
    )
    return blocks


def _actions(incident: IncidentSnapshot) -> dict[str, Any]:
    status_options = [_option(status.value, status.capitalize()) for status in OPEN_STATUSES]
    severity_options = [_option(severity.value, severity.value) for severity in Severity]
    return {
        "type": "actions",
        "block_id": f"incident_actions_{incident.number}",
        "elements": [
            {
                "type": "static_select",
                "action_id": STATUS_ACTION,
                "placeholder": {"type": "plain_text", "text": "Set status"},
                "options": status_options,
                "initial_option": _option(incident.status.value, incident.status.capitalize()),
            },
            {
                "type": "static_select",
                "action_id": SEVERITY_ACTION,
                "placeholder": {"type": "plain_text", "text": "Set severity"},
                "options": severity_options,
                "initial_option": _option(incident.severity.value, incident.severity.value),
            },
            resolve_button(incident.number),
        ],
    }


def resolve_button(number: int, *, label: str = "Resolve") -> dict[str, Any]:
    """The button that resolves an incident, asking first; the summary and the all-clear both carry it."""
    return {
        "type": "button",
        "action_id": RESOLVE_ACTION,
        "text": {"type": "plain_text", "text": label},
        "style": "primary",
        "value": str(number),
        "confirm": {
            "title": {"type": "plain_text", "text": "Resolve this incident?"},
            "text": {"type": "plain_text", "text": f"{reference(number)} will be marked resolved."},
            "confirm": {"type": "plain_text", "text": "Resolve"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        },
    }


def announcement_text(incident: IncidentSnapshot) -> str:
    where = f" in {channel_link(incident.channel_id)}" if incident.channel_id else ""
    commander = incident.roles.get(RoleName.COMMANDER)
    lead = f" · commander {mention(commander)}" if commander else ""
    return (
        f"{SEVERITY_EMOJI[incident.severity]} *{incident.ref}* {escape(incident.title)}"
        f" · {incident.severity} · {STATUS_EMOJI[incident.status]} {incident.status}{lead}{where}"
    )


def announcement_blocks(incident: IncidentSnapshot) -> list[dict[str, Any]]:
    text = truncate(announcement_text(incident), SECTION_LIMIT)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def topic(incident: IncidentSnapshot) -> str:
    commander = incident.roles.get(RoleName.COMMANDER)
    lead = f" · Commander: {mention(commander)}" if commander else ""
    return truncate(f"{incident.ref} · {incident.severity} · {incident.status.capitalize()}{lead}", TOPIC_LIMIT)


def purpose(incident: IncidentSnapshot) -> str:
    text = incident.title + (f" — {incident.summary}" if incident.summary else "")
    return truncate(escape(text), TOPIC_LIMIT)

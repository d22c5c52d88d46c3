"""The declare and update forms, and reading their submissions back."""

from __future__ import annotations

import json
from typing import Any

from bot.incidents.models import Severity, Status
from bot.incidents.snapshot import IncidentSnapshot

DECLARE_CALLBACK = "declare_incident"
TITLE_BLOCK, SEVERITY_BLOCK, SUMMARY_BLOCK = "title", "severity", "summary"


def _modal(callback: str, *, title: str, submit: str, metadata: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def declare_view(*, channel_id: str | None) -> dict[str, Any]:
    severities = [
        {"text": {"type": "plain_text", "text": severity.value}, "value": severity.value} for severity in Severity
    ]
    return _modal(
        DECLARE_CALLBACK,
        title="Declare an incident",
        submit="Declare",
        metadata=json.dumps({"channel_id": channel_id}),
        blocks=[
            {
                "type": "input",
                "block_id": TITLE_BLOCK,
                "label": {"type": "plain_text", "text": "Title"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 250,
                    "placeholder": {"type": "plain_text", "text": "Checkout fails for EU customers"},
                },
            },
            {
                "type": "input",
                "block_id": SEVERITY_BLOCK,
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": severities,
                    "initial_option": severities[2],
                },
            },
            {
                "type": "input",
                "block_id": SUMMARY_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "What is happening?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    )


def submitted_declaration(view: dict[str, Any]) -> tuple[str, Severity, str]:
    """Title, severity and summary from the submitted form's state."""
    values = view.get("state", {}).get("values", {})

    def value(block: str) -> Any:
        return values.get(block, {}).get("value", {})

    title = value(TITLE_BLOCK).get("value") or ""
    severity_value = (value(SEVERITY_BLOCK).get("selected_option") or {}).get("value", "")
    severity = Severity.parse(severity_value) or Severity.SEV3
    summary = value(SUMMARY_BLOCK).get("value") or ""
    return title, severity, summary


UPDATE_CALLBACK = "update_incident"
STATUS_BLOCK, NOTE_BLOCK = "status", "note"


def _options(values: list[str]) -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": value.capitalize()}, "value": value} for value in values]


def update_view(incident: IncidentSnapshot) -> dict[str, Any]:
    """Status, severity and a note in one form, starting from where the incident stands."""
    statuses = _options([status.value for status in Status if status is not Status.CLOSED])
    severities = [{"text": {"type": "plain_text", "text": s.value}, "value": s.value} for s in Severity]
    current_status = next((option for option in statuses if option["value"] == incident.status.value), None)
    current_severity = next(option for option in severities if option["value"] == incident.severity.value)
    status_element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": statuses}
    if current_status is not None:
        status_element["initial_option"] = current_status
    return _modal(
        UPDATE_CALLBACK,
        title=f"Update {incident.ref}",
        submit="Update",
        metadata=json.dumps({"incident": incident.number}),
        blocks=[
            {
                "type": "input",
                "block_id": STATUS_BLOCK,
                "label": {"type": "plain_text", "text": "Status"},
                "element": status_element,
            },
            {
                "type": "input",
                "block_id": SEVERITY_BLOCK,
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": severities,
                    "initial_option": current_severity,
                },
            },
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "What changed?"},
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
            },
        ],
    )


def submitted_update(view: dict[str, Any]) -> tuple[int, Status | None, Severity | None, str]:
    """The incident, and the status, severity and note chosen in the update form."""
    values = view.get("state", {}).get("values", {})

    def selected(block: str) -> str:
        return str((values.get(block, {}).get("value", {}).get("selected_option") or {}).get("value", ""))

    number = int(json.loads(view.get("private_metadata") or "{}").get("incident", 0))
    status = selected(STATUS_BLOCK)
    note = values.get(NOTE_BLOCK, {}).get("value", {}).get("value") or ""
    return (
        number,
        Status(status) if status in {known.value for known in Status} else None,
        Severity.parse(selected(SEVERITY_BLOCK)),
        note,
    )


ADD_TO_TIMELINE_CALLBACK = "add_to_timeline"
INCIDENT_BLOCK = "incident"
MAX_OPTIONS = 100  # Slack's limit for a static_select


def add_to_timeline_view(incidents: list[IncidentSnapshot], *, source: dict[str, str | None]) -> dict[str, Any]:
    """Pick the open incident a message from elsewhere belongs to."""
    options = [
        {
            "text": {"type": "plain_text", "text": _incident_label(incident)},
            "value": str(incident.number),
        }
        for incident in incidents[:MAX_OPTIONS]
    ]
    # Slack keeps private_metadata to 3,000 characters: the message text is cut to fit.
    return _modal(
        ADD_TO_TIMELINE_CALLBACK,
        title="Add to incident timeline",
        submit="Add",
        metadata=json.dumps({**source, "text": (source.get("text") or "")[:2500]}),
        blocks=[
            {
                "type": "input",
                "block_id": INCIDENT_BLOCK,
                "label": {"type": "plain_text", "text": "Incident"},
                "element": {"type": "static_select", "action_id": "value", "options": options},
            }
        ],
    )


def _incident_label(incident: IncidentSnapshot) -> str:
    title = "private incident" if incident.is_private else incident.title
    label = f"{incident.ref} {incident.severity} · {title}"
    return label if len(label) <= 75 else label[:74] + "…"  # option text is at most 75 characters


def submitted_timeline_addition(view: dict[str, Any]) -> tuple[int | None, dict[str, Any]]:
    """The chosen incident, and the message the shortcut was used on."""
    values = view.get("state", {}).get("values", {})
    chosen = (values.get(INCIDENT_BLOCK, {}).get("value", {}).get("selected_option") or {}).get("value", "")
    return (int(chosen) if str(chosen).isdigit() else None), json.loads(view.get("private_metadata") or "{}")

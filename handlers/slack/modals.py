"""The declare form, and reading its submission back."""

from __future__ import annotations

import json
from typing import Any

from bot.incidents.models import Severity

DECLARE_CALLBACK = "declare_incident"
TITLE_BLOCK, SEVERITY_BLOCK, SUMMARY_BLOCK = "title", "severity", "summary"


def declare_view(*, channel_id: str | None) -> dict[str, Any]:
    severities = [
        {"text": {"type": "plain_text", "text": severity.value}, "value": severity.value} for severity in Severity
    ]
    return {
        "type": "modal",
        "callback_id": DECLARE_CALLBACK,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": {"type": "plain_text", "text": "Declare an incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
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
    }


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

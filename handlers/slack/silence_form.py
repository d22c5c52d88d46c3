"""The Silence… form of an alert message: the alerts' common labels as matchers (editable), a duration, a comment."""

from __future__ import annotations

import json
from typing import Any

from bot import texts
from bot.texts.alert_actions import matchers_text

CALLBACK = "alert_silence"
MATCHERS_BLOCK, DURATION_BLOCK, COMMENT_BLOCK = "matchers", "duration", "comment"


def _input(
    block: str, label: str, *, initial: str = "", multiline: bool = False, optional: bool = False
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def view(kind: str, number: int, matchers: list[dict[str, Any]]) -> dict[str, Any]:
    lines = "\n".join(matchers_text([matcher]).strip("`") for matcher in matchers)
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": json.dumps({"kind": kind, "number": number}),
        "title": {"type": "plain_text", "text": texts.alert_actions.FORM_TITLE},
        "submit": {"type": "plain_text", "text": texts.alert_actions.FORM_SUBMIT},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(MATCHERS_BLOCK, texts.alert_actions.FORM_MATCHERS, initial=lines, multiline=True),
            _input(DURATION_BLOCK, texts.alert_actions.FORM_DURATION, initial="1h"),
            _input(COMMENT_BLOCK, texts.alert_actions.FORM_COMMENT, optional=True),
        ],
    }


def submitted(view: dict[str, Any]) -> tuple[list[str], str, str]:
    """The matcher lines, the duration and the comment as typed."""
    values = view.get("state", {}).get("values", {})

    def value(block: str) -> str:
        return str(values.get(block, {}).get("value", {}).get("value") or "")

    lines = [line.strip() for line in value(MATCHERS_BLOCK).splitlines() if line.strip()]
    return lines, value(DURATION_BLOCK).strip(), value(COMMENT_BLOCK).strip()

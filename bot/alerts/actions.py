"""The buttons on alert messages (Acknowledge, Silence 1h, Silence…) and the lines saying what was done.

Each button's value names what it acts on: `incident:3` (an incident's alert list) or `group:12` (an alert
group's post in its alerts channel); handlers/slack/alert_buttons.py reads it back. The Expire button of a
"silenced until … by …" line names the silence instead, by its number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import texts
from storage.tables import AlertGroup, Silence

ACK_ACTION = "alert_acknowledge"
SILENCE_HOUR_ACTION = "alert_silence_1h"
SILENCE_FORM_ACTION = "alert_silence_form"
# The Expire button of a "silenced until … by …" line; its value is the silence's number.
EXPIRE_NOTE_ACTION = "alert_silence_note_expire"
# Silences shown on a message, a section each: with 40 alerts listed, the message stays within Slack's 50 blocks.
MOST_NOTES = 5
INCIDENT, GROUP = "incident", "group"


def scope(kind: str, number: int | None) -> str:
    return f"{kind}:{number}"


def parse_scope(value: str) -> tuple[str, int] | None:
    kind, _, number = value.partition(":")
    if kind not in (INCIDENT, GROUP) or not (number.isascii() and number.isdigit()) or len(number) > 9:
        return None
    return kind, int(number)


def _button(action_id: str, text: str, value: str) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, "value": value}


def action_blocks(value: str, silences: Sequence[Silence], *, group: AlertGroup | None = None) -> list[dict[str, Any]]:
    """What was done (silenced until … by …, each with its Expire button; acknowledged by …), then the buttons."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": texts.alert_actions.silenced_note(silence.ends_at, silence.created_by)},
            "accessory": _button(EXPIRE_NOTE_ACTION, texts.alert_actions.EXPIRE_BUTTON, str(silence.id)),
        }
        for silence in silences[:MOST_NOTES]
    ]
    if group is not None and group.acknowledged_by is not None:
        note = texts.alert_actions.acknowledged_note(group.acknowledged_by)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    buttons = [
        _button(ACK_ACTION, texts.alert_actions.ACK_BUTTON, value),
        _button(SILENCE_HOUR_ACTION, texts.alert_actions.SILENCE_HOUR_BUTTON, value),
        _button(SILENCE_FORM_ACTION, texts.alert_actions.SILENCE_FORM_BUTTON, value),
    ]
    blocks.append({"type": "actions", "block_id": f"alert_actions:{value}", "elements": buttons})
    return blocks

"""Block Kit of pages (slack_sdk's models): the page with its Acknowledge and Escalate now buttons."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from bot import texts

ACK_ACTION = "paging_acknowledge"
ESCALATE_ACTION = "paging_escalate"


def page_blocks(incident_id: int, text: str) -> list[dict[str, Any]]:
    value = str(incident_id)
    blocks = [
        SectionBlock(text=text, block_id=f"page_{incident_id}"),
        ActionsBlock(
            block_id=f"page_actions_{incident_id}",
            elements=[
                ButtonElement(text=texts.paging.ACK_BUTTON, action_id=ACK_ACTION, value=value, style="primary"),
                ButtonElement(text=texts.paging.ESCALATE_BUTTON, action_id=ESCALATE_ACTION, value=value),
            ],
        ),
    ]
    return [block.to_dict() for block in blocks]

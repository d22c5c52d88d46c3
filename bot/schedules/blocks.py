"""Block Kit of schedules (slack_sdk's models): the cover request with its button."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from bot import texts

COVER_ACTION = "oncall_cover_accept"


def cover_request_blocks(request_id: int, text: str) -> list[dict[str, Any]]:
    blocks = [
        SectionBlock(text=text, block_id=f"oncall_cover_{request_id}"),
        ActionsBlock(
            block_id=f"oncall_cover_actions_{request_id}",
            elements=[
                ButtonElement(
                    text=texts.oncall.COVER_BUTTON, action_id=COVER_ACTION, value=str(request_id), style="primary"
                )
            ],
        ),
    ]
    return [block.to_dict() for block in blocks]

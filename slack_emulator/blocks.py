"""Block Kit limits, checked as Slack does: https://api.slack.com/reference/block-kit/blocks"""

from __future__ import annotations

from typing import Any

KNOWN_BLOCKS = frozenset(
    {"section", "header", "divider", "actions", "context", "image", "input", "rich_text", "file", "video", "markdown"}
)
ID_LIMIT = 255


def _text_of(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else ""


def block_errors(blocks: Any, *, max_blocks: int = 50) -> list[str]:
    """Every limit the blocks break, each with a json-pointer like Slack's `invalid_blocks` errors."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
            errors.append(
                f"unsupported type: {block.get('type') if isinstance(block, dict) else block!r} "
                f"[json-pointer:{where}/type]"
            )
            continue
        if len(str(block.get("block_id", ""))) > ID_LIMIT:
            errors.append(f"must be less than {ID_LIMIT} characters [json-pointer:{where}/block_id]")
        kind = block["type"]
        if kind == "section":
            if len(_text_of(block.get("text"))) > 3000:
                errors.append(f"must be less than 3001 characters [json-pointer:{where}/text/text]")
            fields = block.get("fields") or []
            if len(fields) > 10:
                errors.append(f"must be no more than 10 items [json-pointer:{where}/fields]")
            errors += [
                f"must be less than 2001 characters [json-pointer:{where}/fields/{i}/text]"
                for i, item in enumerate(fields)
                if len(_text_of(item)) > 2000
            ]
            if "text" not in block and not fields:
                errors.append(f"must provide text or fields [json-pointer:{where}]")
        elif kind == "header" and len(_text_of(block.get("text"))) > 150:
            errors.append(f"must be less than 151 characters [json-pointer:{where}/text/text]")
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > 25:
                errors.append(f"must be no more than 25 items [json-pointer:{where}/elements]")
            for i, element in enumerate(elements):
                errors += _element_errors(element, f"{where}/elements/{i}")
        elif kind == "image":
            if not block.get("alt_text"):
                errors.append(f"must provide alt_text [json-pointer:{where}/alt_text]")
            if ("image_url" in block) == ("slack_file" in block):
                errors.append(f"must provide exactly one of image_url or slack_file [json-pointer:{where}]")
        elif kind == "context" and len(block.get("elements") or []) > 10:
            errors.append(f"must be no more than 10 items [json-pointer:{where}/elements]")
    return errors


def _element_errors(element: dict[str, Any], where: str) -> list[str]:
    errors = []
    if len(str(element.get("action_id", ""))) > ID_LIMIT:
        errors.append(f"must be less than {ID_LIMIT} characters [json-pointer:{where}/action_id]")
    if element.get("type") == "button":
        if len(_text_of(element.get("text"))) > 75:
            errors.append(f"must be less than 76 characters [json-pointer:{where}/text/text]")
        if len(str(element.get("value", ""))) > 2000:
            errors.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
    return errors


def view_errors(view: Any) -> list[str]:
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["invalid view type [json-pointer:/view/type]"]
    errors = [f"[ERROR] {e}" for e in block_errors(view.get("blocks", []), max_blocks=100)]
    for part in ("title", "submit", "close"):
        if len(_text_of(view.get(part))) > 24:
            errors.append(f"[ERROR] must be less than 25 characters [json-pointer:/view/{part}/text]")
    if len(str(view.get("callback_id", ""))) > ID_LIMIT:
        errors.append("[ERROR] must be less than 255 characters [json-pointer:/view/callback_id]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
    return errors

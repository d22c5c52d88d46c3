"""Slack's channel-name rules: https://api.slack.com/methods/conversations.create#naming"""

from __future__ import annotations

import re

_ALLOWED = re.compile(r"[a-z0-9_-]+")


def name_error(name: str) -> str | None:
    if not name:
        return "invalid_name_required"
    if len(name) > 80:
        return "invalid_name_maxlength"
    if not _ALLOWED.fullmatch(name):
        return "invalid_name_specials"
    if not re.search(r"[a-z0-9]", name):
        return "invalid_name_punctuation"
    return None

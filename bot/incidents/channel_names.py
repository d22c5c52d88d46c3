"""Incident channel names that Slack accepts, however odd the title.

Slack's rules: lowercase letters, digits, `-` and `_`, at most 80 characters
(https://api.slack.com/methods/conversations.create#naming).
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    """ASCII slug of a title: accents folded, everything else turned into single hyphens."""
    folded = unicodedata.normalize("NFKD", title)
    ascii_only = "".join(char for char in folded if not unicodedata.combining(char)).encode("ascii", "ignore")
    return _NOT_ALLOWED.sub("-", ascii_only.decode().lower()).strip("-")


def channel_name(number: int, title: str, *, attempt: int = 1) -> str:
    """`inc-<n>-<slug>`, with `-<attempt>` once earlier names were taken."""
    prefix = f"inc-{number}"
    suffix = f"-{attempt}" if attempt > 1 else ""
    room = MAX_LENGTH - len(prefix) - len(suffix) - 1
    slug = slugify(title)[:room].rstrip("-")
    return f"{prefix}-{slug}{suffix}" if slug else f"{prefix}{suffix}"

"""Slack mrkdwn: escaping what users and alerts wrote, and the few markups the bot means.

Slack reads `<…>` as a link or a mention (`<!channel>` pings everyone), so every text that did
not come from the bot itself is escaped: https://api.slack.com/reference/surfaces/formatting#escaping
"""

from __future__ import annotations

import re
from datetime import datetime


class Mrkdwn(str):
    """Text the bot wrote on purpose, with markup: never escaped again."""

    __slots__ = ()


def escape(text: object) -> str:
    if isinstance(text, Mrkdwn):
        return text
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def mention(user_id: str) -> Mrkdwn:
    """A user mention; the bot acting for an alert source (`alertmanager`) is named, not mentioned."""
    if not _USER_ID.fullmatch(user_id):
        return Mrkdwn(escape(user_id))
    return Mrkdwn(f"<@{escape(user_id)}>")


def channel_link(channel_id: str) -> Mrkdwn:
    return Mrkdwn(f"<#{escape(channel_id)}>")


def date(at: datetime, *, style: str = "{date_short_pretty} {time}") -> Mrkdwn:
    """A date each reader sees in their own time zone, with a UTC fallback."""
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return Mrkdwn(f"<!date^{int(at.timestamp())}^{style}|{fallback}>")


SECTION_LIMIT = 3000  # Slack's most characters in a section block's text


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,})(?:\|[^&]*)?&gt;")


def escape_keeping_mentions(text: str) -> Mrkdwn:
    """Escape, then restore plain user mentions: they name one person and cannot ping a crowd."""
    return Mrkdwn(_ESCAPED_MENTION.sub(r"<@\1>", escape(text)))

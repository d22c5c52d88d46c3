"""What people do in an incident channel, as the timeline service understands it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

HIGHLIGHT_REACTIONS = frozenset({"pushpin", "round_pushpin"})


def ts_to_datetime(ts: str) -> datetime:
    """A Slack `ts` ("1700000000.000100") is when the message was posted: the entry's time."""
    return datetime.fromtimestamp(float(ts), UTC)


@dataclass(frozen=True)
class MessagePosted:
    channel_id: str
    ts: str
    author: str | None
    text: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class MessageEdited:
    channel_id: str
    ts: str
    author: str | None
    text: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class MessageDeleted:
    channel_id: str
    ts: str
    author: str | None = None
    text: str = ""
    thread_ts: str | None = None


@dataclass(frozen=True)
class HighlightChanged:
    """A 📌 reaction or a pin was added or removed."""

    channel_id: str
    ts: str
    by: str | None
    added: bool
    is_pin: bool


@dataclass(frozen=True)
class MemberJoined:
    channel_id: str
    user: str
    at: datetime


Activity = MessagePosted | MessageEdited | MessageDeleted | HighlightChanged | MemberJoined

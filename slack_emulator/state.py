"""The emulated workspace: users, channels, messages, files, views, and every call made."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

# Messages people see in a channel; joins, topic and purpose changes are system notices.
SYSTEM_SUBTYPES = frozenset({"channel_join", "channel_leave", "channel_topic", "channel_purpose"})


@dataclass
class User:
    id: str
    name: str
    real_name: str
    display_name: str
    tz: str = "UTC"
    is_bot: bool = False
    email: str | None = None
    deleted: bool = False  # deactivated: still in users.info, never found by e-mail, never in a user group

    def as_slack(self, *, with_email: bool = False) -> dict[str, Any]:
        """`with_email`: the token has users:read.email, without which Slack leaves the address out."""
        profile = {"display_name": self.display_name, "real_name": self.real_name}
        if with_email and self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "name": self.name,
            "real_name": self.real_name,
            "tz": self.tz,
            "is_bot": self.is_bot,
            "deleted": self.deleted,
            "profile": profile,
        }


@dataclass
class UserGroup:
    """A user group (a "subteam" in Slack's errors, ids starting with S): what `@handle` mentions reach."""

    id: str
    team_id: str
    name: str
    handle: str
    created_by: str
    description: str = ""
    users: list[str] = field(default_factory=list)
    date_create: int = field(default_factory=lambda: int(time.time()))
    date_update: int = 0
    updated_by: str = ""
    date_delete: int = 0  # when it was disabled; 0 while enabled
    deleted_by: str | None = None
    history: list[list[str]] = field(default_factory=list)  # every membership it has had, the first one first

    @property
    def disabled(self) -> bool:
        return self.date_delete > 0

    def as_slack(self, *, with_users: bool = True, with_count: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": self.date_create,
            "date_update": self.date_update or self.date_create,
            "date_delete": self.date_delete,
            "auto_type": None,
            "auto_provision": False,
            "enterprise_subteam_id": "",
            "created_by": self.created_by,
            "updated_by": self.updated_by or self.created_by,
            "deleted_by": self.deleted_by,
            "prefs": {"channels": [], "groups": []},
        }
        if with_users:
            data["users"] = list(self.users)
        if with_count:
            data["user_count"] = len(self.users)
        return data


@dataclass
class Message:
    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    edited: bool = False
    deleted: bool = False
    metadata: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, set[str]] = field(default_factory=dict)

    def as_slack(self, *, with_metadata: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        optional = {
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
            "bot_id": self.bot_id,
            "subtype": self.subtype,
            "files": self.files,
            "metadata": self.metadata if with_metadata else None,
        }
        data.update({key: value for key, value in optional.items() if value})
        if self.edited:
            data["edited"] = {"user": self.user, "ts": self.ts}
        return data


@dataclass
class Channel:
    id: str
    name: str
    creator: str
    is_private: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    topic: str = ""
    purpose: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    history: dict[str, Message] = field(default_factory=dict)
    pinned: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)

    def as_slack(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "creator": self.creator,
            "created": self.created,
            "num_members": len(self.members),
            "topic": {"value": self.topic},
            "purpose": {"value": self.purpose},
        }


@dataclass
class View:
    id: str
    trigger_id: str
    user: str | None
    view: dict[str, Any]


@dataclass
class File:
    id: str
    name: str
    length: int
    title: str = ""
    content: bytes = b""
    uploaded: bool = False
    channels: list[str] = field(default_factory=list)


@dataclass
class ApiCall:
    method: str
    args: dict[str, Any]
    http_status: int
    response: dict[str, Any] | None


@dataclass
class Delivery:
    """One request the emulator sent to the bot, and what the bot answered."""

    kind: str
    body: bytes
    headers: dict[str, str]
    status: int
    response_body: bytes = b""
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.response_body.decode(errors="replace")

    def json(self) -> Any:
        """The bot's answer as JSON (None when it answered nothing or not JSON)."""
        try:
            return json.loads(self.response_body) if self.response_body else None
        except ValueError:
            return None

    def json_body(self) -> Any:
        """The request that was sent, for replaying it as a retry."""
        if self.kind == "event":
            return json.loads(self.body)
        return None


class SlackApiFailure(Exception):
    """A business error: HTTP 200 with ok=false."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

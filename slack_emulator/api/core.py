"""What every method family shares: the workspace, the bot's identity, argument parsing, channel checks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from slack_emulator.state import Channel, Message, SlackApiFailure
from slack_emulator.workspace import Workspace

EmitEvent = Callable[[dict[str, Any]], None]


def flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def as_list(value: Any) -> list[Any]:
    """slack_sdk joins lists with commas; a JSON body may carry a real list or a JSON array string."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        return list(json.loads(value))
    return [item for item in str(value or "").split(",") if item]


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else value


class ApiCore:
    def __init__(
        self,
        workspace: Workspace,
        *,
        bot_user: str,
        bot_id: str,
        emit: EmitEvent,
        base_url: Callable[[], str],
        scopes: set[str],
    ) -> None:
        self.ws, self.bot_user, self.bot_id, self.emit, self.base_url, self.scopes = (
            workspace,
            bot_user,
            bot_id,
            emit,
            base_url,
            scopes,
        )
        self.triggers: dict[str, tuple[float, bool]] = {}

    def channel(self, channel_id: Any) -> Channel:
        channel = self.ws.channels.get(str(channel_id)) or self.ws.channel_by_name(str(channel_id).lstrip("#"))
        if channel is None or (channel.is_private and self.bot_user not in channel.members):
            raise SlackApiFailure("channel_not_found")
        return channel

    def writable(self, channel_id: Any, *, need_membership: bool = True) -> Channel:
        channel = self.channel(channel_id)
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        if need_membership and self.bot_user not in channel.members:
            raise SlackApiFailure("not_in_channel")
        return channel

    def message(self, channel: Channel, ts: Any) -> Message:
        message = channel.history.get(str(ts))
        if message is None or message.deleted:
            raise SlackApiFailure("message_not_found")
        return message

    def require_scope(self, needed: str) -> None:
        if needed not in self.scopes:
            raise SlackApiFailure("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))

    def event(self, event: dict[str, Any], channel: Channel | None = None) -> None:
        if channel is not None:
            event.setdefault("channel_type", "group" if channel.is_private else "channel")
        event.setdefault("event_ts", self.ws.new_ts())
        self.emit(event)

    def echo(self, message: Message, channel: Channel) -> None:
        self.event({**message.as_slack(), "channel": channel.id, "event_ts": message.ts}, channel)

    def issue_trigger(self) -> str:
        trigger = f"{int(time.time())}.{self.ws.team_id}.{self.ws.new_id('')[1:]}"
        self.triggers[trigger] = (time.monotonic(), False)
        return trigger

"""Workspace state with id and `ts` allocation, shared by the Web API and the user actions."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from slack_emulator.state import SYSTEM_SUBTYPES, ApiCall, Channel, File, Message, User, UserGroup, View


class Workspace:
    def __init__(self, team_id: str, *, clock: Callable[[], float] = time.time) -> None:
        self.team_id = team_id
        self.clock = clock  # what `ts` and event times say; the demo passes its simulated clock
        self._ids = itertools.count(1)
        self._last_ts = 0.0
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, File] = {}
        self.views: dict[str, View] = {}
        self.home_views: dict[str, View] = {}  # by user
        self.usergroups: dict[str, UserGroup] = {}
        # Slack's free plan has no user groups: every usergroups.* method answers plan_upgrade_required.
        self.plan = "pro"
        # Who may change a user group's members (Slack's admin setting); "admins" leaves the bot out.
        self.usergroup_editors = "everyone"
        self.calls: list[ApiCall] = []
        self.ephemeral: list[dict[str, Any]] = []

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._ids):08d}"

    def new_ts(self) -> str:
        """Slack's `ts`: unique and increasing, microseconds after the dot."""
        now = max(self.clock(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
        user_id: str | None = None,
        email: str | None = None,
    ) -> str:
        """A person (every one has an e-mail address: `email`, else name@example.com) or a bot (none)."""
        address = None if is_bot else email or f"{name}@example.com"
        user = User(
            user_id or self.new_id("U"), name, real_name or name, display_name or name, is_bot=is_bot, email=address
        )
        self.users[user.id] = user
        return user.id

    def add_usergroup(
        self, handle: str, *, users: Any = (), name: str | None = None, usergroup_id: str | None = None
    ) -> str:
        """A user group an admin made; the same `usergroup_id` again replaces it."""
        group = UserGroup(
            usergroup_id or self.new_id("S"),
            self.team_id,
            name or handle,
            handle,
            created_by="USLACKBOT",
            date_create=int(self.clock()),
        )
        group.users = list(users)
        group.history.append(list(group.users))
        self.usergroups[group.id] = group
        return group.id

    def add_channel(self, name: str, *, creator: str, is_private: bool = False, members: Any = ()) -> str:
        channel = Channel(self.new_id("C"), name, creator, is_private=is_private, members={creator, *members})
        self.channels[channel.id] = channel
        return channel.id

    def channel_by_name(self, name: str) -> Channel | None:
        return next((channel for channel in self.channels.values() if channel.name == name), None)

    def add_message(self, channel: Channel, **fields: Any) -> Message:
        message = Message(ts=self.new_ts(), channel=channel.id, **fields)
        channel.history[message.ts] = message
        return message

    def messages(self, channel_id: str, *, include_replies: bool = True, include_system: bool = False) -> list[Message]:
        history = self.channels[channel_id].history.values()
        return [
            message
            for message in sorted(history, key=lambda m: float(m.ts))
            if not message.deleted
            and (include_system or message.subtype not in SYSTEM_SUBTYPES)
            and (include_replies or not message.thread_ts or message.thread_ts == message.ts)
        ]

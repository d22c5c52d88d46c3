"""conversations.*: channels, their members, topic and purpose, history and threads."""

from __future__ import annotations

import base64
from typing import Any

from slack_emulator.api.core import ApiCore, as_list, flag
from slack_emulator.names import name_error
from slack_emulator.state import Channel, SlackApiFailure

TOPIC_LIMIT, INVITE_LIMIT = 250, 100  # characters; users a call


class ConversationsApi(ApiCore):
    def conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args["name"])
        if error := name_error(name):
            raise SlackApiFailure(error)
        if self.ws.channel_by_name(name) is not None:
            raise SlackApiFailure("name_taken")
        is_private = flag(args.get("is_private"))
        self.require_scope("groups:write" if is_private else "channels:manage")
        channel_id = self.ws.add_channel(name, creator=self.bot_user, is_private=is_private)
        channel = self.ws.channels[channel_id]
        self.event(
            {"type": "member_joined_channel", "user": self.bot_user, "channel": channel.id, "team": self.ws.team_id},
            channel,
        )
        return {"channel": channel.as_slack()}

    def conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"])
        users, force = as_list(args["users"]), flag(args.get("force"))
        if len(users) > INVITE_LIMIT:
            raise SlackApiFailure("too_many_users")
        problems = []
        for user in users:
            if user == self.bot_user:
                problems.append(("cant_invite_self", user))
            elif user not in self.ws.users:
                problems.append(("user_not_found", user))
        if problems and not force:
            raise SlackApiFailure(problems[0][0])
        new = [
            user for user in users if user in self.ws.users and user != self.bot_user and user not in channel.members
        ]
        if not new and not problems:
            raise SlackApiFailure("already_in_channel")
        for user in new:
            self.join(channel, user, inviter=self.bot_user)
        extra = (
            {"errors": [{"user": user, "ok": False, "error": error} for error, user in problems]} if problems else {}
        )
        return {"channel": channel.as_slack(), **extra}

    def join(self, channel: Channel, user: str, *, inviter: str | None = None) -> None:
        channel.members.add(user)
        self.event(
            {
                "type": "member_joined_channel",
                "user": user,
                "channel": channel.id,
                "team": self.ws.team_id,
                **({"inviter": inviter} if inviter else {}),
            },
            channel,
        )
        notice = self.ws.add_message(
            channel, user=user, text=f"<@{user}> has joined the channel", subtype="channel_join"
        )
        self.echo(notice, channel)

    def _describe(self, args: dict[str, Any], field: str, subtype: str) -> dict[str, Any]:
        channel = self.writable(args["channel"])
        value = str(args[field])
        if len(value) > TOPIC_LIMIT:
            raise SlackApiFailure("too_long")
        setattr(channel, field, value)
        notice = self.ws.add_message(
            channel, user=self.bot_user, text=f"set the channel {field}: {value}", subtype=subtype
        )
        self.echo(notice, channel)
        return {"channel": channel.as_slack(), field: value}

    def conversations_setTopic(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._describe(args, "topic", "channel_topic")

    def conversations_setPurpose(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._describe(args, "purpose", "channel_purpose")

    def conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self.channel(args["channel"]).as_slack()}

    def conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = set(as_list(args.get("types") or "public_channel"))
        visible = [
            channel
            for channel in self.ws.channels.values()
            if (
                ("private_channel" in types and channel.is_private and self.bot_user in channel.members)
                or ("public_channel" in types and not channel.is_private)
            )
            and not (channel.is_archived and flag(args.get("exclude_archived")))
        ]
        start = int(base64.b64decode(args["cursor"]).decode()) if args.get("cursor") else 0
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        page = visible[start : start + limit]
        cursor = base64.b64encode(str(start + limit).encode()).decode() if start + limit < len(visible) else ""
        return {"channels": [channel.as_slack() for channel in page], "response_metadata": {"next_cursor": cursor}}

    def conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(args["channel"])
        if channel.is_private and self.bot_user not in channel.members:
            raise SlackApiFailure("not_in_channel")
        with_metadata = flag(args.get("include_all_metadata"))
        oldest = float(args.get("oldest") or 0)  # exclusive, as Slack's (without inclusive=true)
        top = [
            m for m in self.ws.messages(channel.id, include_replies=False, include_system=True) if float(m.ts) > oldest
        ]
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        newest = list(reversed(top))[start : start + limit]
        more = len(top) > start + limit
        return {
            "messages": [m.as_slack(with_metadata=with_metadata) for m in newest],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(args["channel"])
        parent = self.message(channel, args["ts"])
        thread = [m for m in self.ws.messages(channel.id) if m.ts == parent.ts or m.thread_ts == parent.ts]
        with_metadata = flag(args.get("include_all_metadata"))
        return {"messages": [m.as_slack(with_metadata=with_metadata) for m in thread], "has_more": False}

    def conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """A direct message with one person: the same channel every time."""
        users = [user for user in str(args.get("users") or "").split(",") if user]
        if len(users) != 1:
            raise SlackApiFailure("not_enough_users" if not users else "too_many_users")
        if users[0] not in self.ws.users:
            raise SlackApiFailure("user_not_found")
        name = f"dm-{users[0].lower()}"
        channel = self.ws.channel_by_name(name)
        if channel is None:
            channel = self.ws.channels[
                self.ws.add_channel(name, creator=self.bot_user, is_private=True, members=[self.bot_user, users[0]])
            ]
        return {"channel": {"id": channel.id, "is_im": True, "user": users[0]}}

    def conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(args["channel"])
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        if self.bot_user not in channel.members:
            self.join(channel, self.bot_user)
        return {"channel": channel.as_slack()}

    def conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(args["channel"])
        if channel.is_archived:
            raise SlackApiFailure("already_archived")
        if channel.name == "general":
            raise SlackApiFailure("cant_archive_general")
        channel.is_archived = True
        return {}

    def conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"members": sorted(self.channel(args["channel"]).members), "response_metadata": {"next_cursor": ""}}

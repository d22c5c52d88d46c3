"""The Web API methods oncall-bot uses, with Slack's rules and errors."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

from slack_emulator.blocks import block_errors, view_errors
from slack_emulator.names import name_error
from slack_emulator.state import Channel, File, Message, SlackApiFailure, View
from slack_emulator.workspace import Workspace

TEXT_LIMIT, TOPIC_LIMIT, INVITE_LIMIT, TRIGGER_SECONDS = 40_000, 250, 100, 3.0
EmitEvent = Callable[[dict[str, Any]], None]


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        return list(json.loads(value))
    return [item for item in str(value or "").split(",") if item]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else value


class WebApi:
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

    # --- helpers -----------------------------------------------------------------------------
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

    # --- auth, users ----------------------------------------------------------------------------
    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://emulated.slack.com/",
            "team": "Emulated",
            "user": "oncall",
            "team_id": self.ws.team_id,
            "user_id": self.bot_user,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.users.get(str(args["user"]))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user.as_slack()}

    def usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["usergroup"] not in self.ws.usergroups:
            raise SlackApiFailure("no_such_subteam")
        return {"users": self.ws.usergroups[args["usergroup"]]}

    # --- conversations --------------------------------------------------------------------------
    def conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args["name"])
        if error := name_error(name):
            raise SlackApiFailure(error)
        if self.ws.channel_by_name(name) is not None:
            raise SlackApiFailure("name_taken")
        is_private = _flag(args.get("is_private"))
        needed = "groups:write" if is_private else "channels:manage"
        if needed not in self.scopes:
            raise SlackApiFailure("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))
        channel_id = self.ws.add_channel(name, creator=self.bot_user, is_private=is_private)
        channel = self.ws.channels[channel_id]
        self.event(
            {"type": "member_joined_channel", "user": self.bot_user, "channel": channel.id, "team": self.ws.team_id},
            channel,
        )
        return {"channel": channel.as_slack()}

    def conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"])
        users, force = _list(args["users"]), _flag(args.get("force"))
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
        types = set(_list(args.get("types") or "public_channel"))
        visible = [
            channel
            for channel in self.ws.channels.values()
            if (
                ("private_channel" in types and channel.is_private and self.bot_user in channel.members)
                or ("public_channel" in types and not channel.is_private)
            )
            and not (channel.is_archived and _flag(args.get("exclude_archived")))
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
        with_metadata = _flag(args.get("include_all_metadata"))
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
        with_metadata = _flag(args.get("include_all_metadata"))
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

    # --- chat -----------------------------------------------------------------------------------
    def _blocks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = _json(args.get("blocks")) or []
        errors = block_errors(blocks) or self._slack_file_errors(blocks)
        if errors:
            raise SlackApiFailure("invalid_blocks", errors=errors)
        return list(blocks)

    def _slack_file_errors(self, blocks: list[Any]) -> list[str]:
        """An image block's slack_file must be an uploaded PNG, JPEG or GIF the poster can see."""
        errors = []
        for index, block in enumerate(blocks):
            reference = block.get("slack_file") if block.get("type") == "image" else None
            if reference is None:
                continue
            file = self.ws.files.get(str(reference.get("id"))) if isinstance(reference, dict) else None
            if file is None or not file.uploaded:
                errors.append(f"invalid slack file [json-pointer:/blocks/{index}/slack_file]")
            elif not file.content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8")):
                errors.append(f"unsupported file type [json-pointer:/blocks/{index}/slack_file]")
        return errors

    def chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership="chat:write.public" not in self.scopes)
        if channel.is_private and self.bot_user not in channel.members:
            raise SlackApiFailure("channel_not_found")
        text, blocks = str(args.get("text") or ""), self._blocks(args)
        if not text and not blocks:
            raise SlackApiFailure("no_text")
        thread_ts = args.get("thread_ts") or None
        if thread_ts and str(thread_ts) not in channel.history:
            raise SlackApiFailure("thread_not_found")
        message = self.ws.add_message(
            channel,
            user=self.bot_user,
            bot_id=self.bot_id,
            text=text[:TEXT_LIMIT],
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=_json(args.get("metadata")),
        )
        self.echo(message, channel)
        return {"channel": channel.id, "ts": message.ts, "message": message.as_slack()}

    def chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        message = self.message(channel, args["ts"])
        if message.user != self.bot_user:
            raise SlackApiFailure("cant_update_message")
        text = str(args.get("text") or "")
        if len(text) > TEXT_LIMIT:
            raise SlackApiFailure("msg_too_long")
        previous = message.as_slack()
        message.blocks, message.edited = self._blocks(args), True
        message.text = text or message.text
        self.event(
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel.id,
                "ts": self.ws.new_ts(),
                "message": message.as_slack(),
                "previous_message": previous,
            },
            channel,
        )
        return {"channel": channel.id, "ts": message.ts, "text": message.text}

    def chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        if args["user"] not in channel.members:
            raise SlackApiFailure("user_not_in_channel")
        self.ws.ephemeral.append({"channel": channel.id, "user": args["user"], "text": args.get("text", "")})
        return {"message_ts": self.ws.new_ts()}

    def chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        message = self.message(channel, args["ts"])
        if message.user != self.bot_user:
            raise SlackApiFailure("cant_delete_message")
        message.deleted = True
        self.event(
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": channel.id,
                "ts": self.ws.new_ts(),
                "deleted_ts": message.ts,
                "previous_message": message.as_slack(),
            },
            channel,
        )
        return {"channel": channel.id, "ts": message.ts}

    def chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(args["channel"])
        message = self.message(channel, args["message_ts"])
        return {
            "channel": channel.id,
            "permalink": f"https://emulated.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}",
        }

    # --- pins, reactions ------------------------------------------------------------------------
    def pin(self, channel: Channel, ts: str, user: str) -> None:
        message = self.message(channel, ts)
        if ts in channel.pinned:
            raise SlackApiFailure("already_pinned")
        channel.pinned.append(ts)
        self.event(
            {
                "type": "pin_added",
                "user": user,
                "channel_id": channel.id,
                "item": {
                    "type": "message",
                    "channel": channel.id,
                    "message": message.as_slack(),
                    "created": int(time.time()),
                    "created_by": user,
                },
            },
            channel,
        )

    def unpin(self, channel: Channel, ts: str, user: str) -> None:
        if ts not in channel.pinned:
            raise SlackApiFailure("no_pin")
        channel.pinned.remove(ts)
        message = self.message(channel, ts)
        self.event(
            {
                "type": "pin_removed",
                "user": user,
                "channel_id": channel.id,
                "has_pins": bool(channel.pinned),
                "item": {"type": "message", "channel": channel.id, "message": message.as_slack()},
            },
            channel,
        )

    def pins_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"])
        if not args.get("timestamp"):
            raise SlackApiFailure("no_item_specified")
        self.pin(channel, str(args["timestamp"]), self.bot_user)
        return {}

    def pins_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"])
        self.unpin(channel, str(args.get("timestamp")), self.bot_user)
        return {}

    # --- bookmarks ------------------------------------------------------------------------------
    def bookmarks_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args.get("channel_id"), need_membership=False)
        if args.get("type") != "link":
            raise SlackApiFailure("invalid_bookmark_type")
        link = str(args.get("link") or "")
        if not link.startswith(("http://", "https://")):
            raise SlackApiFailure("invalid_link")
        now = int(time.time())
        bookmark = {
            "id": self.ws.new_id("Bk"),
            "channel_id": channel.id,
            "title": str(args["title"]),
            "link": link,
            "emoji": args.get("emoji"),
            "icon_url": None,
            "type": "link",
            "entity_id": args.get("entity_id"),
            "date_created": now,
            "date_updated": 0,
            "rank": f"{len(channel.bookmarks):04d}",
            "last_updated_by_user_id": self.bot_user,
            "last_updated_by_team_id": self.ws.team_id,
            "shortcut_id": None,
            "app_id": None,
        }
        channel.bookmarks.append(bookmark)
        return {"bookmark": bookmark}

    def bookmarks_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"bookmarks": list(self.channel(args.get("channel_id")).bookmarks)}

    def bookmarks_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args.get("channel_id"), need_membership=False)
        kept = [bookmark for bookmark in channel.bookmarks if bookmark["id"] != args.get("bookmark_id")]
        if len(kept) == len(channel.bookmarks):
            raise SlackApiFailure("not_found")
        channel.bookmarks = kept
        return {}

    def reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        message = self.message(channel, args["timestamp"])
        users = message.reactions.setdefault(str(args["name"]), set())
        if self.bot_user in users:
            raise SlackApiFailure("already_reacted")
        users.add(self.bot_user)
        return {}

    # --- views ------------------------------------------------------------------------------------
    def _use_trigger(self, trigger_id: Any) -> None:
        issued = self.triggers.get(str(trigger_id))
        if issued is None:
            raise SlackApiFailure("invalid_trigger_id")
        at, used = issued
        if used:
            raise SlackApiFailure("exchanged_trigger_id")
        if time.monotonic() - at > TRIGGER_SECONDS:
            raise SlackApiFailure("expired_trigger_id")
        self.triggers[str(trigger_id)] = (at, True)

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json(args["view"])
        if errors := view_errors(view):
            raise SlackApiFailure("invalid_arguments", response_metadata={"messages": errors})
        return dict(view)

    def views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view(args)
        self._use_trigger(args.get("trigger_id"))
        stored = View(self.ws.new_id("V"), str(args.get("trigger_id")), None, view)
        self.ws.views[stored.id] = stored
        return {"view": {"id": stored.id, **view}}

    def views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view(args)
        stored = self.ws.views.get(str(args.get("view_id")))
        if stored is None:
            raise SlackApiFailure("not_found")
        stored.view = view
        return {"view": {"id": stored.id, **view}}

    def views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view(args)
        if args["user_id"] not in self.ws.users:
            raise SlackApiFailure("user_not_found")
        if view.get("type") != "home":
            raise SlackApiFailure("invalid_arguments", response_metadata={"messages": ["[ERROR] must be a home view"]})
        # One Home tab per person: a publish replaces the last one.
        user = str(args["user_id"])
        stored = self.ws.home_views.get(user) or View(self.ws.new_id("V"), "", user, view)
        stored.view = view
        self.ws.home_views[user] = stored
        return {"view": {"id": stored.id, **view}}

    # --- files (upload v2) ------------------------------------------------------------------------
    def files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        length = int(args.get("length") or 0)
        if length <= 0:
            raise SlackApiFailure(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] length must be greater than 0"]}
            )
        file = File(self.ws.new_id("F"), str(args["filename"]), length)
        self.ws.files[file.id] = file
        return {"upload_url": f"{self.base_url()}upload/{file.id}", "file_id": file.id}

    def files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        described = _json(args["files"])
        files = []
        for item in described:
            file = self.ws.files.get(str(item.get("id")))
            if file is None or not file.uploaded:
                raise SlackApiFailure("file_not_found")
            file.title = str(item.get("title") or file.name)
            files.append(file)
        if args.get("channel_id"):
            channel = self.writable(args["channel_id"])
            for file in files:
                file.channels.append(channel.id)
            share = self.ws.add_message(
                channel,
                user=self.bot_user,
                bot_id=self.bot_id,
                subtype="file_share",
                text=str(args.get("initial_comment") or ""),
                thread_ts=args.get("thread_ts") or None,
                files=[{"id": f.id, "name": f.name, "title": f.title, "size": len(f.content)} for f in files],
            )
            self.echo(share, channel)
        return {"files": [{"id": f.id, "name": f.name, "title": f.title, "shares": {}} for f in files]}

    def apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"{self.base_url().replace('http', 'ws', 1)}socket"}

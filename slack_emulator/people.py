"""What people do in the emulated Slack: each stores what Slack stores, then delivers it to the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_emulator.state import Delivery

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator


class People:
    def __init__(self, slack: SlackEmulator) -> None:
        self.slack = slack

    def _event(self, event: dict[str, Any], channel_id: str) -> dict[str, Any]:
        channel = self.slack.channels[channel_id]
        event.setdefault("channel_type", "group" if channel.is_private else "channel")
        event.setdefault("event_ts", self.slack.workspace.new_ts())
        return self.slack.event_envelope(event)

    async def slash_command(self, *, user: str, channel: str, text: str, command: str = "/incident") -> Delivery:
        slack = self.slack
        body = {
            "token": "emulator-verification-token",
            "team_id": slack.team_id,
            "team_domain": "emulated",
            "channel_id": channel,
            "channel_name": slack.channels[channel].name if channel in slack.channels else "",
            "user_id": user,
            "user_name": slack.users[user].name if user in slack.users else user,
            "command": command,
            "text": text,
            "api_app_id": "A0EMULATOR",
            "response_url": slack._response_url(channel),
            "trigger_id": slack.api.issue_trigger(),
        }
        return await slack.deliver("command", body)

    async def post_message(
        self, *, user: str, channel: str, text: str, thread_ts: str | None = None, deliver: bool = True
    ) -> tuple[str, Delivery | None]:
        target = self.slack.channels[channel]
        message = self.slack.workspace.add_message(target, user=user, text=text, thread_ts=thread_ts)
        if not deliver:
            return message.ts, None
        event = {**message.as_slack(), "channel": channel, "event_ts": message.ts}
        return message.ts, await self.slack.deliver("event", self._event(event, channel))

    async def edit_message(
        self, *, user: str, channel: str, ts: str, text: str, deliver: bool = True
    ) -> Delivery | None:
        message = self.slack.channels[channel].history[ts]
        if message.user != user:
            raise ValueError("only the author can edit a message (cant_update_message)")
        previous = message.as_slack()
        message.text, message.edited = text, True
        event = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "ts": self.slack.workspace.new_ts(),
            "message": message.as_slack(),
            "previous_message": previous,
        }
        return await self.slack.deliver("event", self._event(event, channel)) if deliver else None

    async def delete_message(self, *, user: str, channel: str, ts: str, deliver: bool = True) -> Delivery | None:
        message = self.slack.channels[channel].history[ts]
        message.deleted = True
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "ts": self.slack.workspace.new_ts(),
            "deleted_ts": ts,
            "previous_message": message.as_slack(),
        }
        return await self.slack.deliver("event", self._event(event, channel)) if deliver else None

    async def _reaction(self, kind: str, user: str, channel: str, ts: str, name: str) -> Delivery:
        message = self.slack.channels[channel].history[ts]
        users = message.reactions.setdefault(name, set())
        users.add(user) if kind == "reaction_added" else users.discard(user)
        event = {
            "type": kind,
            "user": user,
            "reaction": name,
            "item_user": message.user,
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
        return await self.slack.deliver("event", self._event(event, channel))

    async def add_reaction(self, *, user: str, channel: str, ts: str, name: str) -> Delivery:
        return await self._reaction("reaction_added", user, channel, ts, name)

    async def remove_reaction(self, *, user: str, channel: str, ts: str, name: str) -> Delivery:
        return await self._reaction("reaction_removed", user, channel, ts, name)

    async def pin_message(self, *, user: str, channel: str, ts: str) -> Delivery:
        self.slack.api.pin(self.slack.channels[channel], ts, user)
        await self.slack.drain()
        return self.slack.deliveries[-1]

    async def unpin_message(self, *, user: str, channel: str, ts: str) -> Delivery:
        self.slack.api.unpin(self.slack.channels[channel], ts, user)
        await self.slack.drain()
        return self.slack.deliveries[-1]

    async def join_channel(self, *, user: str, channel: str) -> Delivery:
        self.slack.api.join(self.slack.channels[channel], user)
        await self.slack.drain()
        return next(d for d in reversed(self.slack.deliveries) if b"member_joined_channel" in d.body)

    async def click_button(
        self,
        *,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        selected_option: str | None = None,
        block_id: str | None = None,
    ) -> Delivery:
        slack = self.slack
        message = slack.channels[channel].history[message_ts]
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or "",
            "action_ts": slack.workspace.new_ts(),
        }
        if selected_option is not None:
            action.update(
                type="static_select",
                selected_option={"value": selected_option, "text": {"type": "plain_text", "text": selected_option}},
            )
        else:
            action.update(type="button", value=value or "")
        payload = {
            "type": "block_actions",
            "team": {"id": slack.team_id},
            "user": {"id": user},
            "api_app_id": "A0EMULATOR",
            "token": "emulator-verification-token",
            "channel": {"id": channel, "name": slack.channels[channel].name},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": message.as_slack(),
            "actions": [action],
            "trigger_id": slack.api.issue_trigger(),
            "response_url": slack._response_url(channel),
        }
        return await slack.deliver("interactive", payload)

    async def open_app_home(self, *, user: str) -> Delivery:
        """Someone opens the app's Home tab."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "tab": "home",
            "event_ts": self.slack.workspace.new_ts(),
        }
        if (view := self.slack.workspace.home_views.get(user)) is not None:
            event["view"] = {"id": view.id, **view.view}
        return await self.slack.deliver("event", self.slack.event_envelope(event))

    async def message_shortcut(self, *, user: str, channel: str, message_ts: str, callback_id: str) -> Delivery:
        """Someone picks a message shortcut from a message's "More actions" menu."""
        slack = self.slack
        message = slack.channels[channel].history[message_ts]
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": slack.team_id},
            "user": {"id": user},
            "api_app_id": "A0EMULATOR",
            "token": "emulator-verification-token",
            "channel": {"id": channel, "name": slack.channels[channel].name},
            "message": message.as_slack(),
            "message_ts": message_ts,
            "action_ts": slack.workspace.new_ts(),
            "trigger_id": slack.api.issue_trigger(),
            "response_url": slack._response_url(channel),
        }
        return await slack.deliver("interactive", payload)

    async def submit_view(self, *, user: str, view_id: str, values: dict[str, dict[str, Any]]) -> Delivery:
        slack = self.slack
        view = slack.workspace.views[view_id]
        payload = {
            "type": "view_submission",
            "team": {"id": slack.team_id},
            "user": {"id": user},
            "api_app_id": "A0EMULATOR",
            "token": "emulator-verification-token",
            "trigger_id": slack.api.issue_trigger(),
            "view": {
                "id": view.id,
                "type": "modal",
                "callback_id": view.view.get("callback_id", ""),
                "private_metadata": view.view.get("private_metadata", ""),
                "blocks": view.view.get("blocks", []),
                "state": {"values": values},
                "team_id": slack.team_id,
            },
        }
        return await slack.deliver("interactive", payload)

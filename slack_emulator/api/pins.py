"""pins.*: pinned messages, and the pin_added / pin_removed events they emit."""

from __future__ import annotations

import time
from typing import Any

from slack_emulator.api.core import ApiCore
from slack_emulator.state import Channel, SlackApiFailure


class PinsApi(ApiCore):
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

"""reactions.*: the bot's emoji reactions."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore
from slack_emulator.state import SlackApiFailure


class ReactionsApi(ApiCore):
    def reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        message = self.message(channel, args["timestamp"])
        users = message.reactions.setdefault(str(args["name"]), set())
        if self.bot_user in users:
            raise SlackApiFailure("already_reacted")
        users.add(self.bot_user)
        return {}

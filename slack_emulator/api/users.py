"""users.*: the people in the workspace."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore
from slack_emulator.state import SlackApiFailure


class UsersApi(ApiCore):
    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.users.get(str(args["user"]))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user.as_slack()}

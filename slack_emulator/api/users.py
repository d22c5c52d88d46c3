"""users.*: the people in the workspace; their e-mail addresses only with the users:read.email scope."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore
from slack_emulator.state import SlackApiFailure


class UsersApi(ApiCore):
    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.users.get(str(args["user"]))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user.as_slack(with_email="users:read.email" in self.scopes)}

    def users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        """Addresses match whatever their case; a deactivated person is not found (Slack's rule)."""
        wanted = str(args["email"]).strip().lower()
        for user in self.ws.users.values():
            if user.email and user.email.lower() == wanted and not user.deleted:
                return {"user": user.as_slack(with_email=True)}
        raise SlackApiFailure("users_not_found")

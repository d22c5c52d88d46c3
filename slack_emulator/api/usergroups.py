"""usergroups.*: user groups (Slack calls them subteams, ids starting with S) and who is in them."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore
from slack_emulator.state import SlackApiFailure


class UsergroupsApi(ApiCore):
    def usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["usergroup"] not in self.ws.usergroups:
            raise SlackApiFailure("no_such_subteam")
        return {"users": self.ws.usergroups[args["usergroup"]]}

"""usergroups.*: user groups (Slack calls them subteams, ids starting with S) and who is in them.

Each needs a plan with user groups (plan_upgrade_required on the free plan); the scope each needs
(usergroups:read, usergroups:write) is checked before any method runs, from methods.json.
"""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore, as_list, flag
from slack_emulator.state import SlackApiFailure, UserGroup


class UsergroupsApi(ApiCore):
    def require_user_groups(self) -> None:
        if self.ws.plan == "free":
            raise SlackApiFailure("plan_upgrade_required")

    def usergroup(self, usergroup_id: Any, *, include_disabled: bool) -> UserGroup:
        self.require_user_groups()
        group = self.ws.usergroups.get(str(usergroup_id))
        if group is None or (group.disabled and not include_disabled):
            raise SlackApiFailure("no_such_subteam")
        return group

    def usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        self.require_user_groups()
        with_users, with_count = flag(args.get("include_users")), flag(args.get("include_count"))
        shown = [g for g in self.ws.usergroups.values() if flag(args.get("include_disabled")) or not g.disabled]
        return {"usergroups": [group.as_slack(with_users=with_users, with_count=with_count) for group in shown]}

    def usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroup(args["usergroup"], include_disabled=flag(args.get("include_disabled")))
        return {"users": list(group.users)}

    def usergroups_users_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Replaces every member; no empty group (that is usergroups.disable), no bots, no deactivated people."""
        group = self.usergroup(args["usergroup"], include_disabled=True)
        if self.ws.usergroup_editors == "admins":  # the bot is no workspace admin
            raise SlackApiFailure("permission_denied")
        users = list(dict.fromkeys(str(user) for user in as_list(args.get("users"))))
        if not users:
            raise SlackApiFailure("no_users_provided")
        known = self.ws.users
        if any(user not in known or known[user].is_bot or known[user].deleted for user in users):
            raise SlackApiFailure("invalid_users")
        if users != group.users:
            group.users, group.updated_by, group.date_update = users, self.bot_user, int(self.ws.clock())
            group.history.append(list(users))
        return {"usergroup": group.as_slack(with_count=flag(args.get("include_count")))}

"""What tests and the demo see of the emulated workspace, and how they seed it (people, channels, user groups)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_emulator.state import ApiCall, Channel, File, Message, User, View
from slack_emulator.workspace import Workspace


class WorkspaceView:
    workspace: Workspace

    # --- state for assertions ---------------------------------------------------------------------
    @property
    def users(self) -> dict[str, User]:
        return self.workspace.users

    @property
    def channels(self) -> dict[str, Channel]:
        return self.workspace.channels

    @property
    def files(self) -> dict[str, File]:
        return self.workspace.files

    @property
    def calls(self) -> list[ApiCall]:
        return self.workspace.calls

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def ok_calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls_to(method) if call.response and call.response.get("ok")]

    def channel_by_name(self, name: str) -> Channel | None:
        return self.workspace.channel_by_name(name)

    def messages(self, channel_id: str, *, include_replies: bool = True) -> list[Message]:
        return self.workspace.messages(channel_id, include_replies=include_replies)

    def pins(self, channel_id: str) -> list[str]:
        return list(self.channels[channel_id].pinned)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """What the person's Home tab shows, as last published."""
        view = self.workspace.home_views.get(user)
        return view.view if view is not None else None

    def open_views(self) -> list[View]:
        return [view for view in self.workspace.views.values() if view.trigger_id]

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        return list(self.workspace.usergroups[usergroup_id].users)

    def usergroup_history(self, usergroup_id: str) -> list[list[str]]:
        """Every membership the group has had, the seeded one first: one entry per change that changed it."""
        return [list(users) for users in self.workspace.usergroups[usergroup_id].history]

    # --- seeding ----------------------------------------------------------------------------------
    def add_user(
        self, name: str, *, real_name: str | None = None, display_name: str | None = None, email: str | None = None
    ) -> str:
        """A person; their profile e-mail is `email`, else name@example.com."""
        return self.workspace.add_user(name, real_name=real_name, display_name=display_name, email=email)

    def deactivate_user(self, user: str) -> None:
        """An admin deactivates the account: users.lookupByEmail no longer finds it, no user group takes it."""
        self.workspace.users[user].deleted = True

    def add_channel(self, name: str, *, creator: str, is_private: bool = False, members: Iterable[str] = ()) -> str:
        return self.workspace.add_channel(name, creator=creator, is_private=is_private, members=members)

    def add_usergroup(
        self, handle: str, *, users: Iterable[str] = (), name: str | None = None, usergroup_id: str | None = None
    ) -> str:
        """A user group (`@handle`) an admin made, with these members; the same `usergroup_id` replaces it."""
        return self.workspace.add_usergroup(handle, users=users, name=name, usergroup_id=usergroup_id)

    def disable_usergroup(self, usergroup_id: str) -> None:
        """An admin disables the group: listed only with include_disabled, its members kept."""
        group = self.workspace.usergroups[usergroup_id]
        group.date_delete, group.deleted_by = int(self.workspace.clock()), "USLACKBOT"

    def set_plan(self, plan: str) -> None:
        """ "free": the workspace has no user groups (usergroups.* answer plan_upgrade_required); "pro" has."""
        self.workspace.plan = plan

    def set_usergroup_editors(self, who: str) -> None:
        """ "admins": only workspace admins may change user groups, so the bot gets permission_denied."""
        self.workspace.usergroup_editors = who

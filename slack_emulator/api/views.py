"""views.*: modals (single-use, short-lived trigger ids) and Home tabs."""

from __future__ import annotations

import time
from typing import Any

from slack_emulator.api.core import ApiCore, as_json
from slack_emulator.blocks import view_errors
from slack_emulator.state import SlackApiFailure, View

TRIGGER_SECONDS = 3.0  # a trigger_id's life


class ViewsApi(ApiCore):
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
        view = as_json(args["view"])
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

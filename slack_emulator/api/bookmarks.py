"""bookmarks.*: a channel's link bookmarks."""

from __future__ import annotations

import time
from typing import Any

from slack_emulator.api.core import ApiCore
from slack_emulator.state import SlackApiFailure


class BookmarksApi(ApiCore):
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

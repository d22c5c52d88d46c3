"""files.* (upload v2): an upload URL, the bytes, then sharing into a channel."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore, as_json
from slack_emulator.state import File, SlackApiFailure


class FilesApi(ApiCore):
    def files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        length = int(args.get("length") or 0)
        if length <= 0:
            raise SlackApiFailure(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] length must be greater than 0"]}
            )
        file = File(self.ws.new_id("F"), str(args["filename"]), length)
        self.ws.files[file.id] = file
        return {"upload_url": f"{self.base_url()}upload/{file.id}", "file_id": file.id}

    def files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        described = as_json(args["files"])
        files = []
        for item in described:
            file = self.ws.files.get(str(item.get("id")))
            if file is None or not file.uploaded:
                raise SlackApiFailure("file_not_found")
            file.title = str(item.get("title") or file.name)
            files.append(file)
        if args.get("channel_id"):
            channel = self.writable(args["channel_id"])
            for file in files:
                file.channels.append(channel.id)
            share = self.ws.add_message(
                channel,
                user=self.bot_user,
                bot_id=self.bot_id,
                subtype="file_share",
                text=str(args.get("initial_comment") or ""),
                thread_ts=args.get("thread_ts") or None,
                files=[{"id": f.id, "name": f.name, "title": f.title, "size": len(f.content)} for f in files],
            )
            self.echo(share, channel)
        return {"files": [{"id": f.id, "name": f.name, "title": f.title, "shares": {}} for f in files]}

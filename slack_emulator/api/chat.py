"""chat.*: posting, updating and deleting messages, with Block Kit's limits."""

from __future__ import annotations

from typing import Any

from slack_emulator.api.core import ApiCore, as_json
from slack_emulator.blocks import block_errors
from slack_emulator.state import SlackApiFailure

TEXT_LIMIT = 40_000  # characters: truncated on post, refused on update


class ChatApi(ApiCore):
    def _blocks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = as_json(args.get("blocks")) or []
        errors = block_errors(blocks) or self._slack_file_errors(blocks)
        if errors:
            raise SlackApiFailure("invalid_blocks", errors=errors)
        return list(blocks)

    def _slack_file_errors(self, blocks: list[Any]) -> list[str]:
        """An image block's slack_file must be an uploaded PNG, JPEG or GIF the poster can see."""
        errors = []
        for index, block in enumerate(blocks):
            reference = block.get("slack_file") if block.get("type") == "image" else None
            if reference is None:
                continue
            file = self.ws.files.get(str(reference.get("id"))) if isinstance(reference, dict) else None
            if file is None or not file.uploaded:
                errors.append(f"invalid slack file [json-pointer:/blocks/{index}/slack_file]")
            elif not file.content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8")):
                errors.append(f"unsupported file type [json-pointer:/blocks/{index}/slack_file]")
        return errors

    def chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership="chat:write.public" not in self.scopes)
        if channel.is_private and self.bot_user not in channel.members:
            raise SlackApiFailure("channel_not_found")
        text, blocks = str(args.get("text") or ""), self._blocks(args)
        if not text and not blocks:
            raise SlackApiFailure("no_text")
        thread_ts = args.get("thread_ts") or None
        if thread_ts and str(thread_ts) not in channel.history:
            raise SlackApiFailure("thread_not_found")
        message = self.ws.add_message(
            channel,
            user=self.bot_user,
            bot_id=self.bot_id,
            text=text[:TEXT_LIMIT],
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=as_json(args.get("metadata")),
        )
        self.echo(message, channel)
        return {"channel": channel.id, "ts": message.ts, "message": message.as_slack()}

    def chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        message = self.message(channel, args["ts"])
        if message.user != self.bot_user:
            raise SlackApiFailure("cant_update_message")
        text = str(args.get("text") or "")
        if len(text) > TEXT_LIMIT:
            raise SlackApiFailure("msg_too_long")
        previous = message.as_slack()
        message.blocks, message.edited = self._blocks(args), True
        message.text = text or message.text
        self.event(
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel.id,
                "ts": self.ws.new_ts(),
                "message": message.as_slack(),
                "previous_message": previous,
            },
            channel,
        )
        return {"channel": channel.id, "ts": message.ts, "text": message.text}

    def chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        if args["user"] not in channel.members:
            raise SlackApiFailure("user_not_in_channel")
        self.ws.ephemeral.append({"channel": channel.id, "user": args["user"], "text": args.get("text", "")})
        return {"message_ts": self.ws.new_ts()}

    def chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.writable(args["channel"], need_membership=False)
        message = self.message(channel, args["ts"])
        if message.user != self.bot_user:
            raise SlackApiFailure("cant_delete_message")
        message.deleted = True
        self.event(
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": channel.id,
                "ts": self.ws.new_ts(),
                "deleted_ts": message.ts,
                "previous_message": message.as_slack(),
            },
            channel,
        )
        return {"channel": channel.id, "ts": message.ts}

    def chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(args["channel"])
        message = self.message(channel, args["message_ts"])
        return {
            "channel": channel.id,
            "permalink": f"https://emulated.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}",
        }

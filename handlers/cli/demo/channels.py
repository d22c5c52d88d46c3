"""A channel as Slack would show it, drawn for a terminal: messages, Block Kit, threads under their message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from handlers.cli.demo.markup import LINK, Names, emojize, render
from slack_emulator import Channel, Message, SlackEmulator


class ChannelView:
    def __init__(self, slack: SlackEmulator, names: Names, *, images: Mapping[str, Path]) -> None:
        self.slack, self.names = slack, names
        self._images = images  # uploaded files saved by the demo, by Slack file id

    def panel(self, channel_id: str) -> Panel:
        channel = self.slack.channels[channel_id]
        messages = self.slack.messages(channel_id)
        replies: dict[str, list[Message]] = {}
        for message in messages:
            if message.thread_ts and message.thread_ts != message.ts:
                replies.setdefault(message.thread_ts, []).append(message)
        parts: list[RenderableType] = [*self._bookmarks(channel)]
        for message in messages:
            if message.thread_ts and message.thread_ts != message.ts:
                continue
            shown = self.message(channel, message)
            if message.ts in replies:
                thread = Tree(shown, guide_style="dim")
                for reply in replies[message.ts]:
                    thread.add(self.message(channel, reply))
                shown = thread
            parts.append(shown)
        title = Text(("🔒 " if channel.is_private else "#") + channel.name, style="bold")
        topic = render(channel.topic, self.names, style="dim") if channel.topic else None
        return Panel(Group(*parts), title=title, title_align="left", subtitle=topic, subtitle_align="left")

    def _bookmarks(self, channel: Channel) -> list[RenderableType]:
        shown: list[RenderableType] = []
        for bookmark in channel.bookmarks:
            line = Text("🔖 ").append(bookmark["title"], style="bold")
            line.append(f" ‹{bookmark['link']}›", style=LINK)
            shown.append(line)
        return [*shown, Rule(style="dim")] if shown else []

    def message(self, channel: Channel, message: Message) -> RenderableType:
        header = Text()
        if message.ts in channel.pinned or "pushpin" in message.reactions:
            header.append("📌 ")
        author = self.names.user(message.user) or message.user
        header.append(author, style="bold magenta" if message.bot_id else "bold")
        if message.bot_id:
            header.append(" APP", style="dim reverse")
        at = datetime.fromtimestamp(float(message.ts), UTC)
        header.append(f"  {at:%a %H:%M}", style="dim")
        if message.edited:
            header.append("  (edited)", style="dim italic")
        body: list[RenderableType] = []
        if message.blocks:
            body.extend(self._block(block) for block in message.blocks)
        elif message.text:
            body.append(render(message.text, self.names))
        for file in message.files:
            body.append(Text(f"📎 {file['name']}  ({file['size']:,} bytes)", style="italic"))
        reactions = [f"{emojize(f':{name}:')} {len(users)}" for name, users in message.reactions.items() if users]
        if reactions:
            body.append(Text("  ".join(reactions), style="dim"))
        return Group(header, Padding(Group(*body), (0, 0, 0, 2)))

    def _text(self, text: dict[str, Any] | None) -> Text:
        if not text:
            return Text()
        if text.get("type") == "plain_text":
            return Text(emojize(str(text.get("text", ""))))
        return render(str(text.get("text", "")), self.names)

    def _block(self, block: dict[str, Any]) -> RenderableType:
        kind = block.get("type")
        if kind == "header":
            return Text(self._text(block.get("text")).plain, style="bold underline")
        if kind == "divider":
            return Rule(style="dim")
        if kind == "context":
            line = Text(style="dim")
            for number, element in enumerate(block.get("elements", [])):
                line.append(" · " if number else "")
                line.append_text(self._element(element))
            return line
        if kind == "actions":
            return Text("  ").join(self._element(element) for element in block.get("elements", []))
        if kind == "image":
            return self._image(block)
        return self._section(block)

    def _section(self, block: dict[str, Any]) -> RenderableType:
        parts: list[RenderableType] = []
        if block.get("text"):
            text = self._text(block["text"])
            if block.get("accessory"):
                text.append("  ").append_text(self._element(block["accessory"]))
            parts.append(text)
        if block.get("fields"):
            grid = Table.grid(padding=(0, 4))
            grid.add_column()
            grid.add_column()
            fields = [self._text(field) for field in block["fields"]]
            for left in range(0, len(fields), 2):
                grid.add_row(*fields[left : left + 2])
            parts.append(grid)
        return Group(*parts)

    def _element(self, element: dict[str, Any]) -> Text:
        kind = element.get("type")
        if kind == "button":
            style = {"primary": "bold green", "danger": "bold red"}.get(element.get("style", ""), "bold")
            return Text(f"[ {self._text(element.get('text')).plain} ]", style=style)
        if kind in ("static_select", "users_select", "overflow"):
            label = self._text(element.get("placeholder")).plain or "…"
            return Text(f"[ {label} ▾ ]", style="bold")
        if kind == "image":
            return Text(f"🖼 {element.get('alt_text', '')}")
        return self._text(element)

    def _image(self, block: dict[str, Any]) -> Text:
        line = Text(f"🖼  {block.get('alt_text', 'image')}", style="italic")
        file_id = str((block.get("slack_file") or {}).get("id"))
        if file_id in self._images:
            line.append(f"  → {self._images[file_id]}", style=LINK)
        elif block.get("image_url"):
            line.append(f"  ‹{block['image_url']}›", style=LINK)
        return line

"""The emulated workspace's Slack markup as a person reads it: mentions and channel links by name."""

from __future__ import annotations

import re

from bot.emulator.workspace import Workspace

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<([^|>@#!][^|>]*)\|([^>]+)>")


def readable(workspace: Workspace, text: str) -> str:
    def user(match: re.Match[str]) -> str:
        found = workspace.users.get(match.group(1))
        return "@" + (found.name if found else match.group(1))

    def channel(match: re.Match[str]) -> str:
        found = workspace.channels.get(match.group(1))
        return "#" + (found.name if found else match.group(1))

    text = _CHANNEL.sub(channel, _USER.sub(user, text))
    text = _LINK.sub(r"\2", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

"""Slack's mrkdwn as a terminal shows it: bold, italics, code, emoji, names instead of ids, readable links.

Slack's rules (https://api.slack.com/reference/surfaces/formatting): `*bold*`, `_italic_`, `~strike~`
and `` `code` `` only at word edges, ``` ``` ``` blocks, `<…>` for mentions, links and dates, `&lt;`
`&gt;` `&amp;` for the three characters it escapes, `:name:` for an emoji, `>` opening a quote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from rich.emoji import Emoji
from rich.style import Style
from rich.text import Text

# Slack's own spelling for a few emoji the Unicode names (and so rich) spell without "large_".
SLACK_EMOJI = {"large_green_circle": "🟢", "large_yellow_circle": "🟡", "large_orange_circle": "🟠"}

_TOKEN = re.compile(
    r"```(?P<pre>.+?)```"
    r"|`(?P<code>[^`\n]+)`"
    r"|<(?P<angle>[^<>\n]+)>"
    r"|(?<![\w*_~])(?P<mark>[*_~])(?P<inner>[^\s*_~](?:[^\n]*?[^\s])??)(?P=mark)(?![\w*_~])",
    re.S,
)
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_MARK_STYLES = {"*": Style(bold=True), "_": Style(italic=True), "~": Style(strike=True)}
CODE = Style(color="cyan")
MENTION = Style(color="blue", bold=True)
LINK = Style(color="blue", underline=True)


@dataclass(frozen=True)
class Names:
    """Who and what the ids in a text are: users and channels as Slack would name them."""

    user: Callable[[str], str | None]
    channel: Callable[[str], str | None]


def emojize(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in SLACK_EMOJI:
            return SLACK_EMOJI[code]
        return Emoji.replace(match.group(0))

    return _EMOJI.sub(one, text)


def render(text: str, names: Names, *, style: Style | str = "") -> Text:
    """The text as Slack shows it, with `>` quotes drawn as a bar."""
    out = Text(style=style)
    for number, line in enumerate(text.split("\n")):
        if number:
            out.append("\n")
        if line.startswith(("&gt; ", ">")):
            out.append("▎ ", style="dim")
            line = line.removeprefix("&gt;").removeprefix(">").lstrip()
        out.append_text(_inline(line, names, Style()))
    return out


def plain(text: str, names: Names) -> str:
    """The words only, for one-line summaries."""
    return render(text, names).plain


def _inline(text: str, names: Names, style: Style) -> Text:
    out = Text()
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(emojize(html.unescape(text[position : match.start()])), style=style)
        position = match.end()
        if match.group("pre") is not None:
            out.append(html.unescape(match.group("pre").strip("\n")), style=style + CODE)
        elif match.group("code") is not None:
            out.append(html.unescape(match.group("code")), style=style + CODE)
        elif match.group("angle") is not None:
            out.append_text(_angle(match.group("angle"), names, style))
        else:
            out.append_text(_inline(match.group("inner"), names, style + _MARK_STYLES[match.group("mark")]))
    out.append(emojize(html.unescape(text[position:])), style=style)
    return out


def _angle(inside: str, names: Names, style: Style) -> Text:
    """`<@U…>`, `<#C…|name>`, `<!here>`, `<!date^…|fallback>`, `<url|label>`."""
    target, _, label = inside.partition("|")
    label = html.unescape(label)
    if target.startswith("@"):
        return Text("@" + (names.user(target[1:]) or label.lstrip("@") or target[1:]), style=style + MENTION)
    if target.startswith("#"):
        return Text("#" + (names.channel(target[1:]) or label or target[1:]), style=style + MENTION)
    if target.startswith("!subteam^"):
        return Text(label or "@" + target.removeprefix("!subteam^"), style=style + MENTION)
    if target.startswith("!date^"):
        return Text(label, style=style)
    if target.startswith("!"):
        return Text("@" + target[1:], style=style + MENTION)
    url = html.unescape(target)
    shown = Text(label or url, style=style + LINK + Style(link=url))
    if label and label != url:
        shown.append(f" ‹{url}›", style="dim")
    return shown

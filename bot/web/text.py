"""Words on the web pages: counts with the right plural, dates with year and zone, Slack markup as HTML."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

# The postmortem's reading of Slack's markup (user, channel, special mention, user group, date, link), so the
# page and the postmortem read a message alike.
from bot.postmortem.document import SLACK_MARKUP as MARKUP


def mentioned(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """The users and channels these Slack texts mention, to look their names up in one go."""
    users: set[str] = set()
    channels: set[str] = set()
    for text in texts:
        if "<" in text:
            for match in MARKUP.finditer(text):
                users.update([match["user"]] if match["user"] else [])
                channels.update([match["channel"]] if match["channel"] else [])
    return users, channels


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 message`, `2 messages`, `0 messages`; irregular words name their plural (`entry`, `entries`)."""
    word = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count:,} {word}"


def when(at: datetime, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """`2 Dec 2026, 14:05 UTC` in the display zone: a reader in another zone or year is not misled."""
    local = at.astimezone(zone)
    time = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local.day} {local:%b %Y}, {time} {local:%Z}"


def safe_url(url: str | None) -> str | None:
    """The URL if a link to it is harmless (http, https, mailto); `javascript:` and the like are not links."""
    if url and url.strip().lower().startswith(("http://", "https://", "mailto:")):
        return url.strip()
    return None


def channel_url(channel_id: str) -> str:
    """Opens the channel in the Slack app or in the browser, whichever workspace the reader is signed in to."""
    return f"https://slack.com/app_redirect?channel={quote(channel_id, safe='')}"


def channel_html(channel_id: str, name: str | None) -> Markup:
    return Markup('<a class="channel" href="{}">#{}</a>').format(channel_url(channel_id), name or channel_id)


def person(user_id: str | None, people: Mapping[str, str]) -> str:
    """A name from the users.info cache; the id until someone's postmortem has looked it up."""
    if not user_id:
        return ""
    return people.get(user_id, user_id)


def slack_html(text: str, people: Mapping[str, str], channels: Mapping[str, str]) -> Markup:
    """What a person saw in Slack, as HTML: `<@U1>` → Alice, `<#C1>` → a link to #inc-1, `<url|label>` → a link."""
    parts: list[Markup] = []
    position = 0
    for match in MARKUP.finditer(text):
        parts.append(escape(html.unescape(text[position : match.start()])))
        parts.append(_shown(match.groupdict(), people, channels))
        position = match.end()
    parts.append(escape(html.unescape(text[position:])))
    return Markup("").join(parts)


def _shown(part: Mapping[str, str | None], people: Mapping[str, str], channels: Mapping[str, str]) -> Markup:
    if part["user"]:
        name = people.get(part["user"]) or part["user_label"] or part["user"]
        return Markup('<span class="person">@{}</span>').format(name)
    if part["channel"]:
        return channel_html(part["channel"], channels.get(part["channel"]) or part["channel_label"])
    if part["special"]:
        return escape(f"@{part['special']}")
    if part["team"]:
        return escape(html.unescape(part["team_label"] or f"@{part['team']}"))
    if part["date"] is not None:
        return escape(html.unescape(part["date"]))
    url = html.unescape(part["url"] or "")
    return Markup('<a href="{}">{}</a>').format(url, html.unescape(part["url_label"] or url))

"""Texts people read in Slack, rendered from bot/templates/slack with every value escaped."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.slack.mrkdwn import Mrkdwn, channel_link, date, escape, escape_keeping_mentions, mention

# The templates are package data: found the same way from a checkout, a wheel or a container image.
TEMPLATES = PackageLoader("bot", "templates")


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=TEMPLATES,
        # Every {{ value }} is escaped for mrkdwn, so no user or alert text can ping @channel;
        # markup the bot means (mentions, links, dates) is built with the Mrkdwn helpers.
        finalize=escape,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        # The templates ship with the code: no stat() of the file on every reply to see if it changed.
        auto_reload=False,
    )
    environment.globals.update(mention=mention, channel_link=channel_link, date=date)
    environment.filters["with_mentions"] = escape_keeping_mentions
    return environment


def render(name: str, **context: Any) -> Mrkdwn:
    return Mrkdwn(_environment().get_template(name).render(**context).strip())

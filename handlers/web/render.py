"""HTML from bot/templates/web, every value autoescaped."""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot import texts
from bot.alerts.views import alert_from
from bot.postmortem.document import KIND_LABELS
from bot.web import text


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("bot", "templates/web"),  # package data, as in bot/slack/texts.py
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the code: no stat() per page
    )
    environment.globals.update(
        plural=text.plural,
        alert_from=alert_from,
        when=text.when,
        slack_html=text.slack_html,
        person=text.person,
        channel_html=text.channel_html,
        channel_url=text.channel_url,
        kind_labels=KIND_LABELS,
        paged=texts.paging.paged,  # never a routing key or a webhook's path
    )
    return environment


def page(name: str, *, status: int = 200, **context: Any) -> web.Response:
    html = _environment().get_template(name).render(**context)
    response = web.Response(text=html, status=status, content_type="text/html")
    # Nothing here should be cached by a shared proxy, framed by another site, or sniffed as another type.
    response.headers.update(
        {
            "Cache-Control": "no-store",
            "X-Frame-Options": "SAMEORIGIN",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
    )
    return response

"""GET /schedules, /schedules/{name} (signed in) and /schedules/{name}.ics?token=… (the calendar subscription).

A calendar app cannot sign in with Slack, so the subscription is opened by the schedule's own secret in the
address instead (bot/schedules/export.py compares it in constant time). A wrong or missing one gets the same
404 as a schedule that does not exist, and counts as a sign-in attempt: guessing is rate-limited too. The
logs redact `token=` in an address (bot/observability/logs.py).
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot import texts
from bot.clock import utcnow
from bot.keys import settings_key, web_views_key
from bot.web.schedules import ScheduleNotFound
from handlers.web.auth import too_many_attempts
from handlers.web.pages import signed_in
from handlers.web.render import page


@signed_in
async def handle_schedules(request: web.Request) -> web.StreamResponse:
    views = request.app[web_views_key]
    listed, people = await views.schedules.listing(utcnow())
    return page("schedules.html.j2", zone=views.zone, listed=listed, people=people)


@signed_in
async def handle_schedule(request: web.Request) -> web.StreamResponse:
    views = request.app[web_views_key]
    try:
        shown = await views.schedules.page(request.match_info["name"], utcnow())
    except ScheduleNotFound as exc:
        return page("not_found.html.j2", status=404, zone=views.zone, message=str(exc))
    name = shown.timeline.schedule.name
    subscription = None
    if shown.token is not None:
        base = request.app[settings_key].web_base_url or f"{request.scheme}://{request.host}"
        subscription = f"{base.rstrip('/')}/schedules/{quote(name)}.ics?token={quote(shown.token)}"
    return page(
        "schedule.html.j2",
        zone=shown.timeline.schedule.zone,
        timeline=shown.timeline,
        subscription=subscription,
        shift_time=texts.oncall.when,
    )


async def handle_schedule_calendar(request: web.Request) -> web.StreamResponse:
    calendar = await request.app[web_views_key].schedules.subscription(
        request.match_info["name"], request.query.get("token", ""), utcnow()
    )
    if calendar is None:
        if (refused := too_many_attempts(request)) is not None:
            return refused
        raise web.HTTPNotFound()  # the JSON 404 of any unknown address (bot/app.py)
    return web.Response(
        text=calendar,
        content_type="text/calendar",
        charset="utf-8",
        # Private to whoever holds the address: no shared cache keeps a copy.
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )

"""GET /, /incidents/{ref}, /incidents/{ref}/postmortem, /slos and /slos/chart.png."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.errors import IncidentNotFound
from bot.incidents.models import IncidentRef
from bot.keys import web_views_key
from bot.slo.presentation import format_burn_rate, format_percent, status_label
from handlers.web.auth import is_signed_in, login_page, viewer_of
from handlers.web.render import page
from storage.types import utcnow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def signed_in(handler: Handler) -> Handler:
    """Anyone else gets the login page and no data."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not await is_signed_in(request):
            return login_page(request)
        return await handler(request)

    return guarded


def _number(request: web.Request) -> int:
    ref = IncidentRef.parse(request.match_info["ref"])
    if ref is None:
        raise web.HTTPNotFound(text="not an incident: write /incidents/INC-12")
    return ref.number


@signed_in
async def handle_index(request: web.Request) -> web.StreamResponse:
    overview = await request.app[web_views_key].overview(await viewer_of(request))
    return page("index.html.j2", overview=overview)


@signed_in
async def handle_incident(request: web.Request) -> web.StreamResponse:
    views = request.app[web_views_key]
    try:
        incident, entries, people = await views.incident(_number(request), await viewer_of(request))
    except IncidentNotFound as exc:
        return page("not_found.html.j2", status=404, message=str(exc))
    return page("incident.html.j2", incident=incident, entries=entries, people=people, zone=views.zone)


@signed_in
async def handle_postmortem(request: web.Request) -> web.StreamResponse:
    try:
        html = await request.app[web_views_key].postmortem_html(_number(request), await viewer_of(request))
    except IncidentNotFound as exc:
        return page("not_found.html.j2", status=404, message=str(exc))
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


@signed_in
async def handle_slos(request: web.Request) -> web.StreamResponse:
    reports = await request.app[web_views_key].slos(utcnow())
    return page(
        "slos.html.j2", reports=reports, percent=format_percent, burn=format_burn_rate, status_label=status_label
    )


@signed_in
async def handle_slo_chart(request: web.Request) -> web.StreamResponse:
    png = await request.app[web_views_key].slo_chart(utcnow())
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})

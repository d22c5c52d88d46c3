"""GET /, /incidents/{ref}, /incidents/{ref}/postmortem, /slos, /slos/{name} and /slos/chart.png."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot import texts
from bot.clock import utcnow
from bot.errors import IncidentNotFound, UserError
from bot.incidents.models import LARGEST_NUMBER, IncidentRef
from bot.keys import web_views_key
from bot.slo.math import BURN_WINDOWS, WHOLE_WINDOW
from bot.slo.presentation import (
    attainment_text,
    budget_percent,
    format_burn_rate,
    format_percent,
    objective_text,
    status_label,
)
from bot.values.durations import format_duration
from bot.web.listing import IncidentQuery
from bot.web.views import SloNotFound
from handlers.web.auth import is_signed_in, login_page, viewer_of
from handlers.web.render import page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SLO_WORDS: dict[str, Any] = {"percent": format_percent, "burn": format_burn_rate, "status_label": status_label}
SLO_PAGE_WORDS: dict[str, Any] = {
    "objective": objective_text,
    "attainment": attainment_text,
    "budget": budget_percent,
    "duration": format_duration,
    "windows": [*BURN_WINDOWS, WHOLE_WINDOW],
}


def signed_in(handler: Handler) -> Handler:
    """Anyone else gets the login page and no data."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not await is_signed_in(request):
            return login_page(request)
        return await handler(request)

    return guarded


def _number(request: web.Request) -> int:
    try:
        ref = IncidentRef.parse(request.match_info["ref"])
    except ValueError:  # more digits than int() converts
        ref = None
    if ref is None:
        raise web.HTTPNotFound(text="not an incident: write /incidents/INC-12")
    if ref.number > LARGEST_NUMBER:  # it names no incident; the query would fail on PostgreSQL
        raise IncidentNotFound(texts.incidents.no_such_incident_here(str(ref)))
    return ref.number


def page_in_zone(request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
    """Every page shows times in the configured zone (ONCALL_CONFIG's `timezone`)."""
    return page(name, status=status, zone=request.app[web_views_key].zone, **context)


def _not_found(request: web.Request, message: str) -> web.Response:
    return page_in_zone(request, "not_found.html.j2", status=404, message=message)


@signed_in
async def handle_index(request: web.Request) -> web.StreamResponse:
    try:
        query = IncidentQuery.parse(request.query)
    except UserError as exc:  # a hand-edited address: say what is wrong with it, not a traceback
        return page_in_zone(request, "bad_request.html.j2", status=400, message=str(exc))
    listing = await request.app[web_views_key].incidents(query, await viewer_of(request))
    return page_in_zone(request, "index.html.j2", listing=listing)


@signed_in
async def handle_incident(request: web.Request) -> web.StreamResponse:
    try:
        shown = await request.app[web_views_key].incident(_number(request), await viewer_of(request))
    except IncidentNotFound as exc:
        return _not_found(request, str(exc))
    return page_in_zone(request, "incident.html.j2", shown=shown)


@signed_in
async def handle_postmortem(request: web.Request) -> web.StreamResponse:
    try:
        html = await request.app[web_views_key].postmortem_html(_number(request), await viewer_of(request))
    except IncidentNotFound as exc:
        return _not_found(request, str(exc))
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


@signed_in
async def handle_slos(request: web.Request) -> web.StreamResponse:
    reports = await request.app[web_views_key].slos(utcnow())
    return page_in_zone(request, "slos.html.j2", reports=reports, **SLO_WORDS)


@signed_in
async def handle_slo(request: web.Request) -> web.StreamResponse:
    try:
        shown = await request.app[web_views_key].slo(request.match_info["name"], utcnow())
    except SloNotFound as exc:
        return _not_found(request, str(exc))
    return page_in_zone(request, "slo.html.j2", shown=shown, **SLO_WORDS, **SLO_PAGE_WORDS)


@signed_in
async def handle_slo_chart(request: web.Request) -> web.StreamResponse:
    png = await request.app[web_views_key].slo_chart(utcnow())
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})

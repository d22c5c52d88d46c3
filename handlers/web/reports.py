"""GET /reports (a period's operations review: the tables, the chart, the postmortems with their follow-ups)
and /reports/chart.png. `?period=7d|30d|90d` (30d when left out) or `?from=&to=` dates, and `?service=`.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web

from bot import texts
from bot.clock import utcnow
from bot.errors import UserError
from bot.keys import begin_key, catalog_key, config_key
from bot.reports import chart, formats
from bot.reports.period import Period
from bot.reports.report import Report, gather
from bot.reports.service import period_of, report_in
from bot.reports.tables import tables
from handlers.web.pages import page_in_zone, signed_in


def _asked(request: web.Request) -> tuple[Period, list[str]]:
    query = request.query
    period = period_of(
        request.app[config_key],
        period=query.get("period") or (None if "from" in query or "to" in query else "30d"),
        start=query.get("from"),
        end=query.get("to"),
        now=utcnow(),
    )
    return period, [service for service in query.getall("service", []) if service]


async def _report(request: web.Request, period: Period, services: list[str]) -> Report:
    async with request.app[begin_key].reading() as session:
        config, catalog = request.app[config_key], request.app[catalog_key]
        return await report_in(session, config, catalog, period, services, now=utcnow())


@signed_in
async def handle_report(request: web.Request) -> web.StreamResponse:
    try:
        period, services = _asked(request)
    except UserError as exc:  # a hand-edited address: say what is wrong with it, not a traceback
        return page_in_zone(request, "bad_request.html.j2", status=400, message=str(exc))
    report = await _report(request, period, services)
    return page_in_zone(
        request,
        "report.html.j2",
        title=formats.title(report),
        span=formats.span(report),
        tables=tables(report),
        query=request.query_string,
        service_query="".join("&" + urlencode({"service": service}) for service in services),
        chart_alt=texts.reports.CHART_ALT,
    )


@signed_in
async def handle_report_chart(request: web.Request) -> web.StreamResponse:
    try:
        period, services = _asked(request)
    except UserError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    async with request.app[begin_key].reading() as session:
        rows = await gather(session, await request.app[catalog_key].load(session), chart.span(period), services)
    title = texts.reports.heading(period.label, ", ".join(services) or None)
    png = await asyncio.to_thread(lambda: chart.render(chart.trend(rows.incidents, period), title=title))
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})

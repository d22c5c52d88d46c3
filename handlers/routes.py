"""Every HTTP route of the bot."""

from __future__ import annotations

from aiohttp import web

from bot.slack.openid import CALLBACK_PATH, SIGN_IN_PATH
from handlers.api.slos import handle_slo_events, handle_slo_reports
from handlers.health import handle_healthz, handle_metrics, handle_readyz
from handlers.slack.http import handle_slack_request
from handlers.web.pages import (
    handle_incident,
    handle_index,
    handle_postmortem,
    handle_slo,
    handle_slo_chart,
    handle_slos,
)
from handlers.web.reports import handle_report, handle_report_chart
from handlers.web.schedules import handle_schedule, handle_schedule_calendar, handle_schedules
from handlers.web.sessions import handle_callback, handle_login, handle_logout, handle_sign_in
from handlers.webhooks.http import handle_heartbeat, handle_webhook


def register(app: web.Application, *, requests: bool = True) -> None:
    """Health everywhere; Slack, webhooks, the API and the pages only where the role takes requests."""
    app.router.add_get("/healthz", handle_healthz)
    app.router.add_get("/readyz", handle_readyz)
    app.router.add_get("/metrics", handle_metrics)
    if not requests:
        return
    app.router.add_post("/slack/events", handle_slack_request)
    app.router.add_post("/webhooks/{source}", handle_webhook)
    app.router.add_post("/webhooks/heartbeat/{name}", handle_heartbeat)
    app.router.add_get("/api/v1/slos", handle_slo_reports)
    app.router.add_post("/api/v1/slos/{name}/events", handle_slo_events)
    app.router.add_get("/login", handle_login)
    app.router.add_get(SIGN_IN_PATH, handle_sign_in)
    app.router.add_get(CALLBACK_PATH, handle_callback)
    app.router.add_get("/logout", handle_logout)  # a plain link works too; SameSite=Lax keeps other sites out
    app.router.add_post("/logout", handle_logout)
    app.router.add_get("/", handle_index)
    app.router.add_get("/incidents/{ref}", handle_incident)
    app.router.add_get("/incidents/{ref}/postmortem", handle_postmortem)
    app.router.add_get("/slos", handle_slos)
    app.router.add_get("/reports", handle_report)
    app.router.add_get("/reports/chart.png", handle_report_chart)
    app.router.add_get("/slos/chart.png", handle_slo_chart)
    app.router.add_get("/slos/{name}", handle_slo)  # after chart.png, which would otherwise match as a name
    app.router.add_get("/schedules", handle_schedules)
    # The calendar subscription opens with its token, not a session (handlers/web/schedules.py).
    app.router.add_get("/schedules/{name}.ics", handle_schedule_calendar)  # before {name}, which matches "x.ics"
    app.router.add_get("/schedules/{name}", handle_schedule)

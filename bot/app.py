"""The process: one aiohttp Application that owns the database, Slack, the outbox worker and bolt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError

from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.effects import SilenceEffects
from bot.alerts.effects import AlertEffects
from bot.alerts.ingest import AlertIngestion
from bot.config.schema import OncallConfig, load_config
from bot.config.secrets import require_webhook_secret
from bot.errors import SettingsError
from bot.heartbeats.service import Heartbeats
from bot.home.effects import HomeEffects
from bot.home.views import HomeRenderer
from bot.incidents.effects import IncidentEffects
from bot.incidents.listing import open_by_severity
from bot.keys import (
    alert_ingestion_key,
    alertmanager_client_key,
    begin_key,
    bolt_key,
    catalog_key,
    config_key,
    database_key,
    escalation_worker_key,
    gateway_key,
    heartbeats_key,
    maintenance_key,
    metrics_key,
    outbox_worker_key,
    pager_http_key,
    permissions_key,
    scheduler_key,
    settings_key,
    slo_evaluator_key,
    web_sessions_key,
    web_views_key,
)
from bot.maintenance.effects import MaintenanceEffects
from bot.maintenance.service import assemble
from bot.observability import log_context
from bot.observability.metrics import Metrics
from bot.outbox.registry import Registry
from bot.outbox.shared_pacing import SharedPacer
from bot.outbox.worker import OutboxWorker
from bot.pagers.effects import PagerEffects
from bot.pagers.http import PagerHttp
from bot.paging.service import policy_starter
from bot.paging.worker import EscalationWorker
from bot.permissions import Permissions
from bot.postmortem.effects import PostmortemEffects
from bot.postmortem.service import Postmortems
from bot.prometheus.client import PrometheusClient
from bot.reports.effects import ReportEffects
from bot.schedules.catalog import Catalog
from bot.schedules.effects import ScheduleEffects
from bot.settings import Role, Settings
from bot.slack.effects import MessageEffects
from bot.slack.gateway import SlackGateway, build_client
from bot.slack.openid import CALLBACK_PATH, SlackOpenId
from bot.slo.digest import DigestRenderer
from bot.slo.effects import SloEffects
from bot.slo.evaluation import SloEvaluator
from bot.unit_of_work import unit_of_work
from bot.visibility import Membership
from bot.web.sessions import Lifetimes, WebSessions
from bot.web.views import WebViews
from handlers import routes
from handlers.jobs.runner import Scheduler
from handlers.security_headers import security_headers
from handlers.slack import build_bolt
from storage import migrate
from storage.engine import Database

log = logging.getLogger("oncall.app")
SOCKET_CONNECT_SECONDS = 30.0
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


class _DropMessage(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self._message


# Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused beside our client, which holds that very token.
logging.getLogger("slack_bolt.AsyncApp").addFilter(_DropMessage(warning_client_prioritized_and_token_skipped()))


@web.middleware
async def request_context(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every log line of a request carries its id; a caller's X-Request-Id is kept, so logs join up."""
    # A label that joins log lines, not a secret: no os.urandom() call (uuid4's) on every request.
    # A caller's id is kept only if it is a plain token: anything else could forge log fields.
    given = request.headers.get("X-Request-Id", "")
    request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else f"{random.getrandbits(64):016x}"
    with log_context.bound(request_id=request_id):
        response = await handler(request)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Nobody gets a traceback: unexpected failures are logged and answered with a short JSON body."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response({"error": exc.reason.lower().replace(" ", "_")}, status=exc.status)
    except Exception:
        log.exception("http.unhandled path=%s", request.path)
        return web.json_response({"error": "internal_error"}, status=500)


def _assemble(app: web.Application, settings: Settings, config: OncallConfig) -> None:
    """Build every object (database, Slack, outbox, SLOs, scheduler, bolt); cleanup contexts start and stop them."""
    database = Database(settings.database_url)
    app[database_key] = database
    calls = app[metrics_key].slack_calls
    gateway = SlackGateway(
        build_client(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=settings.slack_timeout),
        on_call=lambda method, outcome: calls.labels(method, outcome).inc(),
    )
    app[gateway_key] = gateway
    permissions = Permissions(
        admins=frozenset(config.permissions.admins),
        admin_usergroup=config.permissions.admin_usergroup,
        commander_only=frozenset(config.permissions.commander_only),
        admin_only=frozenset(config.permissions.admin_only),
        group_members=gateway.usergroup_members,
        membership=Membership(gateway.channel_members),
    )
    app[permissions_key] = permissions
    app[web_sessions_key] = _web_sessions(settings, database, permissions, gateway)
    postmortems = Postmortems(database, zone=config.zone, templates=config.postmortem, gateway=gateway)
    alertmanager = AlertmanagerClient()
    app[alertmanager_client_key] = alertmanager
    app[pager_http_key] = PagerHttp()
    registry = performers(
        settings,
        config,
        database,
        gateway,
        permissions=permissions,
        postmortems=postmortems,
        pagers=app[pager_http_key],
        alertmanager=alertmanager,
        catalog=app[catalog_key],
    )
    # Replicas on one PostgreSQL share Slack's budgets as rows; SQLite has one process, which keeps them itself.
    pacer = SharedPacer(database) if database.dialect == "postgresql" else None
    worker = OutboxWorker(database, registry, max_attempts=config.outbox.max_attempts, pacer=pacer)
    app[outbox_worker_key] = worker
    catalog = app[catalog_key]
    app[web_views_key] = WebViews(database, postmortems, config.slos, zone=config.zone, catalog=catalog)
    begin = unit_of_work(database, on_commit=worker.wake)
    app[begin_key] = begin
    evaluator = SloEvaluator(
        config.slos, database=database, begin=begin, ingestion=app[alert_ingestion_key], prometheus=PrometheusClient()
    )
    app[slo_evaluator_key] = evaluator
    heartbeats = Heartbeats(config, app[alert_ingestion_key])
    app[alert_ingestion_key].watchdog = heartbeats  # Alertmanager's Watchdog beats a heartbeat
    app[heartbeats_key] = heartbeats
    app[maintenance_key] = maintenance = assemble(config, app[alert_ingestion_key])  # ingestion holds too
    app[scheduler_key] = Scheduler(
        database,
        begin,
        config,
        metrics=app[metrics_key],
        slos=evaluator,
        user_by_email=gateway.user_by_email,
        heartbeats=heartbeats,
        catalog=catalog,
        ingestion=app[alert_ingestion_key],
        alertmanager=alertmanager,
        maintenance=maintenance,
    )
    app[escalation_worker_key] = EscalationWorker(begin, catalog)
    app[bolt_key] = build_bolt(
        signing_secret=settings.slack_signing_secret or "",
        begin=begin,
        gateway=gateway,
        config=config,
        permissions=permissions,
        alertmanager=alertmanager,
        heartbeats=heartbeats,
        catalog=catalog,
        maintenance=maintenance,
    )


def performers(
    settings: Settings,
    config: OncallConfig,
    database: Database,
    gateway: SlackGateway,
    *,
    permissions: Permissions,
    postmortems: Postmortems,
    alertmanager: AlertmanagerClient,
    pagers: PagerHttp,
    catalog: Catalog,
) -> Registry:
    """Every domain's outbox performers; an Effect that none of them performs stops the bot here."""
    home = HomeRenderer(database, config.slos, zone=config.zone, permissions=permissions, catalog=catalog)
    return Registry(
        IncidentEffects(gateway, database, announce_channel=settings.announce_channel).performers(),
        AlertEffects(gateway, database).performers(),
        PostmortemEffects(gateway, database, postmortems).performers(),
        SloEffects(gateway, DigestRenderer(database, config.slos, zone=config.zone)).performers(),
        ReportEffects(gateway, database, config, catalog, web_base_url=settings.web_base_url).performers(),
        HomeEffects(gateway, home).performers(),
        MessageEffects(gateway).performers(),
        ScheduleEffects(gateway).performers(),
        MaintenanceEffects(gateway, database).performers(),
        SilenceEffects(alertmanager, gateway, database, config.alertmanagers).performers(),
        PagerEffects(
            pagers,
            events_url=settings.pagerduty_events_url,
            dedup_prefix=settings.pagerduty_dedup_prefix,
            webhook_secret=settings.paging_webhook_secret,
        ).performers(),
    )


async def _database(app: web.Application) -> AsyncIterator[None]:
    database = app[database_key]
    await migrate.upgrade(database)
    yield
    await database.dispose()


async def _slack(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[gateway_key].close()
    await app[alertmanager_client_key].close()
    await app[pager_http_key].close()  # PagerDuty and webhooks: closed, like Slack, after the outbox stops


def _web_sessions(
    settings: Settings, database: Database, permissions: Permissions, gateway: SlackGateway
) -> WebSessions:
    openid = None
    if settings.sign_in_with_slack:
        openid = SlackOpenId(
            client_id=settings.slack_client_id or "",
            client_secret=settings.slack_client_secret or "",
            redirect_uri=f"{settings.web_base_url}{CALLBACK_PATH}",
            api_url=settings.slack_api_url,
        )
    lifetimes = Lifetimes(
        idle=timedelta(hours=settings.web_session_idle_hours), absolute=timedelta(days=settings.web_session_max_days)
    )
    return WebSessions(database, permissions, openid=openid, team_id=gateway.team_id, lifetimes=lifetimes)


async def _outbox_worker(app: web.Application) -> AsyncIterator[None]:
    worker = app[outbox_worker_key]
    task = asyncio.create_task(worker.run(), name="outbox-worker")
    yield
    await worker.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _escalations(app: web.Application) -> AsyncIterator[None]:
    worker = app[escalation_worker_key]
    task = asyncio.create_task(worker.run(), name="escalation-worker")
    yield
    worker.stop()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _slos(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[slo_evaluator_key].close()


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    scheduler = app[scheduler_key]
    await scheduler.start()
    yield
    await scheduler.stop()


async def _socket_mode(app: web.Application) -> AsyncIterator[None]:
    """With an app-level token the bot dials out to Slack over a WebSocket: no public address needed."""
    token = app[settings_key].slack_app_token
    if not token:
        yield
        return
    client = app[gateway_key].client
    # The Socket Mode client retries a refused token forever; ask once first, so a wrong token stops start-up.
    try:
        opened = await client.apps_connections_open(app_token=token)
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
        raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack ({error}): copy the app-level token again") from None
    # The Socket Mode client tells of every session at INFO; its warnings (lost connections) stay.
    socket_log = logging.getLogger("oncall.socket_mode")
    socket_log.setLevel(logging.NOTSET if log.isEnabledFor(logging.DEBUG) else logging.WARNING)
    handler = AsyncSocketModeHandler(app[bolt_key], token, logger=socket_log, web_client=client)
    # Use the URL just issued: apps.connections.open is rate-limited to about one call a minute.
    handler.client.wss_uri = str(opened["url"])
    await asyncio.wait_for(handler.connect_async(), SOCKET_CONNECT_SECONDS)  # type: ignore[no-untyped-call]
    yield
    await handler.close_async()  # type: ignore[no-untyped-call]


def started_line(settings: Settings) -> str:
    """What `serve` says once it is ready: the mode, the address, and the web pages when they are on."""
    socket_mode = settings.slack_app_token
    mode = "Socket Mode (connected to Slack)" if socket_mode else "HTTP mode (Slack posts to /slack/events)"
    host = "localhost" if settings.host in WILDCARD_HOSTS else settings.host
    if not settings.role.takes_requests:  # a worker or the scheduler: Slack reaches it only through health
        return f"oncall-bot ready: role {settings.role}, health on {host}:{settings.port}"
    line = f"oncall-bot ready: {mode}, listening on {settings.host}:{settings.port}"
    if settings.role != Role.ALL:
        line += f" (role {settings.role})"
    if settings.sign_in_with_slack:
        line += f"; web pages at {settings.web_base_url}/ (Sign in with Slack)"
    elif settings.web_token:
        line += f"; web pages at http://{host}:{settings.port}/ (WEB_TOKEN as a bearer)"
    return line


async def _started(app: web.Application) -> AsyncIterator[None]:
    log.info("%s", started_line(app[settings_key]))
    yield


def create_app(settings: Settings) -> web.Application:
    """Assemble the whole bot; `oncall-bot serve`, the demo and every HTTP test call this."""
    app = web.Application(middlewares=[request_context, security_headers, json_errors], client_max_size=1024 * 1024)
    app[settings_key] = settings
    app[metrics_key] = Metrics(open_incidents=open_by_severity)
    config = load_config(settings.oncall_config)
    require_webhook_secret(settings, config)
    app[config_key] = config
    app[catalog_key] = catalog = Catalog(config.schedules, config.zone)
    app[alert_ingestion_key] = AlertIngestion(
        config, start_paging=policy_starter(config.escalation_policies), catalog=catalog
    )
    _assemble(app, settings, config)
    app.cleanup_ctx.extend(parts_of(settings.role))
    routes.register(app, requests=settings.role.takes_requests)
    return app


def parts_of(role: Role) -> list[Callable[[web.Application], AsyncIterator[None]]]:
    """What a role starts; every role has the database, Slack's client (to close) and health.

    Opened in this order, closed in reverse: the worker stops before Slack and the database close.
    """
    parts: list[Callable[[web.Application], AsyncIterator[None]]] = [_database, _slack]
    if role.works:
        parts += [_outbox_worker, _escalations]
    if role.schedules or role.takes_requests:
        parts.append(_slos)  # closes the evaluator's Prometheus client, which /slo and the pages use too
    if role.schedules:
        parts.append(_scheduler)
    if role.takes_requests:
        parts.append(_socket_mode)
    return [*parts, _started]

"""Typed keys for state on the aiohttp Application (no singletons)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.lifecycle import SilenceTick
from bot.alerts.ingest import AlertIngestion
from bot.config.schema import OncallConfig
from bot.heartbeats.service import Heartbeats
from bot.leadership import Leadership
from bot.maintenance.service import Maintenance, WindowsChanged
from bot.observability.metrics import Metrics
from bot.outbox.worker import OutboxWorker
from bot.pagers.http import PagerHttp
from bot.paging.worker import EscalationWorker
from bot.permissions import Permissions
from bot.reminders.reminders import TickResult
from bot.schedules.catalog import Catalog
from bot.settings import Settings
from bot.slack.gateway import SlackGateway
from bot.slo.evaluation import SloEvaluator
from bot.unit_of_work import Begin
from bot.web.sessions import WebSessions
from bot.web.views import WebViews
from storage.engine import Database


class Jobs(Protocol):
    """What the app needs of the scheduler (handlers/jobs/runner.py, an inbound adapter bot does not import)."""

    leadership: Leadership

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def tick(self, now: datetime) -> TickResult: ...

    async def tick_oncall(self, now: datetime) -> int: ...

    async def tick_heartbeats(self, now: datetime) -> list[str]: ...

    async def tick_silences(self, now: datetime) -> SilenceTick: ...
    async def tick_maintenance(self, now: datetime) -> WindowsChanged: ...

    async def refresh_schedules(self, now: datetime) -> dict[str, str]: ...


settings_key = web.AppKey("settings", Settings)
database_key = web.AppKey("database", Database)
gateway_key = web.AppKey("gateway", SlackGateway)
pager_http_key = web.AppKey("pager_http", PagerHttp)
outbox_worker_key = web.AppKey("outbox_worker", OutboxWorker)
bolt_key = web.AppKey("bolt", AsyncApp)
config_key = web.AppKey("config", OncallConfig)
begin_key: web.AppKey[Begin] = web.AppKey("begin")
alert_ingestion_key = web.AppKey("alert_ingestion", AlertIngestion)
scheduler_key: web.AppKey[Jobs] = web.AppKey("scheduler")
heartbeats_key = web.AppKey("heartbeats", Heartbeats)
maintenance_key = web.AppKey("maintenance", Maintenance)
escalation_worker_key = web.AppKey("escalation_worker", EscalationWorker)
# One per process: every user of the schedules shares its parsed calendars.
catalog_key = web.AppKey("catalog", Catalog)
metrics_key = web.AppKey("metrics", Metrics)
slo_evaluator_key = web.AppKey("slo_evaluator", SloEvaluator)
web_views_key = web.AppKey("web_views", WebViews)
permissions_key = web.AppKey("permissions", Permissions)
web_sessions_key = web.AppKey("web_sessions", WebSessions)
alertmanager_client_key = web.AppKey("alertmanager_client", AlertmanagerClient)

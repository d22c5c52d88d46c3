"""Typed keys for state on the aiohttp Application (no singletons)."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.outbox.worker import OutboxWorker
from bot.settings import Settings
from bot.slack.gateway import SlackGateway
from storage.engine import Database

settings_key = web.AppKey("settings", Settings)
database_key = web.AppKey("database", Database)
gateway_key = web.AppKey("gateway", SlackGateway)
outbox_worker_key = web.AppKey("outbox_worker", OutboxWorker)
bolt_key = web.AppKey("bolt", AsyncApp)

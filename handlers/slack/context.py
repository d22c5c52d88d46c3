"""Bolt middleware that hands listeners what they need, by name: `begin`, `gateway`, `config`, `permissions`,
`alertmanager`, `heartbeats`, `maintenance`, `catalog`, `timeline_recorder`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.alertmanager.client import AlertmanagerClient
from bot.config.schema import OncallConfig
from bot.heartbeats.service import Heartbeats
from bot.maintenance.service import Maintenance
from bot.permissions import Permissions
from bot.schedules.catalog import Catalog
from bot.slack.gateway import SlackGateway
from bot.timeline.service import Recorder
from bot.unit_of_work import Begin


class ProvideServices(AsyncMiddleware):
    """Puts the bot's services into every request's context, where listeners ask for them by name."""

    def __init__(
        self,
        begin: Begin,
        gateway: SlackGateway,
        config: OncallConfig,
        permissions: Permissions,
        alertmanager: AlertmanagerClient,
        heartbeats: Heartbeats,
        catalog: Catalog,
        maintenance: Maintenance,
        recorder: Recorder,
    ) -> None:
        self.services = {
            "begin": begin,
            "gateway": gateway,
            "config": config,
            "permissions": permissions,
            "alertmanager": alertmanager,
            "heartbeats": heartbeats,
            "maintenance": maintenance,
            # The schedules: their definitions from the config, calendars and e-mails read per request.
            "catalog": catalog,
            # The app's one, shared with handlers/slack/messages.py: events that arrive together share a transaction.
            "timeline_recorder": recorder,
        }

    # A class, not a middleware function: bolt builds every injectable argument for each function it
    # calls, which costs as much as the rest of this middleware. Bolt names the parameter `next`.
    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        req.context.update(self.services)
        return await next()


def provide(
    begin: Begin,
    gateway: SlackGateway,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
    heartbeats: Heartbeats,
    catalog: Catalog,
    maintenance: Maintenance,
    recorder: Recorder,
) -> ProvideServices:
    return ProvideServices(
        begin, gateway, config, permissions, alertmanager, heartbeats, catalog, maintenance, recorder
    )

"""Bolt middleware that hands listeners what they need, by name: `begin`, `gateway`, `config`, `permissions`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot.config import OncallConfig
from bot.permissions import Permissions
from bot.slack.gateway import SlackGateway
from bot.unit_of_work import Begin


def provide(
    begin: Begin, gateway: SlackGateway, config: OncallConfig, permissions: Permissions
) -> Callable[..., Awaitable[None]]:
    # Bolt injects middleware arguments by name, so `next` must be called `next`.
    async def provide_services(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["begin"] = begin
        context["gateway"] = gateway
        context["config"] = config
        context["permissions"] = permissions
        await next()

    return provide_services

"""The whole bot over HTTP against the bundled Slack emulator, on each database backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.emulator import SlackEmulator
from bot.keys import database_key, outbox_worker_key
from bot.settings import Settings
from storage.engine import Database

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"


@dataclass
class People:
    alice: str
    bob: str
    carol: str


@dataclass
class Workspace:
    """The emulated Slack, the running bot, and helpers to wait for the bot to catch up."""

    slack: SlackEmulator
    server: TestServer
    people: People
    general: str
    incidents: str

    @property
    def database(self) -> Database:
        return self.server.app[database_key]

    async def settle(self, within: float = 20.0) -> None:
        """Wait until the outbox has done all it can and Slack's echoes have been delivered."""
        async with asyncio.timeout(within):
            for _ in range(3):  # echoes can cause more work, which can cause more echoes
                await self.server.app[outbox_worker_key].wait_until_idle()
                await self.slack.drain()

    async def command(self, text: str, *, user: str | None = None, channel: str | None = None) -> dict[str, Any]:
        delivery = await self.slack.slash_command(
            user=user or self.people.alice, channel=channel or self.general, text=text
        )
        assert delivery.status == 200, delivery.text
        return delivery.json() or {}

    async def declare(self, text: str = "Checkout is down sev2", **kwargs: Any) -> str:
        """Declare an incident and wait for its channel; returns the channel id."""
        await self.command(f"declare {text}", **kwargs)
        await self.settle()
        channels = [c for c in self.slack.channels.values() if c.name.startswith("inc-")]
        return channels[-1].id  # the newest: channels are kept in creation order

    def posts(self, channel: str) -> list[str]:
        return [message.text for message in self.slack.messages(channel)]


def make_settings(slack: SlackEmulator, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "database_url": database_url,
        "announce_channel": "#incidents",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator(signing_secret=SIGNING_SECRET)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def workspace(
    slack: SlackEmulator, database_url: str, aiohttp_server: Callable[..., Any]
) -> AsyncIterator[Workspace]:
    people = People(
        alice=slack.add_user("alice", real_name="Alice Smith"),
        bob=slack.add_user("bob", real_name="Bob Jones"),
        carol=slack.add_user("carol", real_name="Carol White"),
    )
    general = slack.add_channel("general", creator=people.alice, members=[people.alice, people.bob, people.carol])
    incidents = slack.add_channel("incidents", creator=people.alice, members=[people.alice])
    server: TestServer = await aiohttp_server(create_app(make_settings(slack, database_url)))
    slack.bot_endpoint = str(server.make_url("/slack/events"))
    yield Workspace(slack, server, people, general, incidents)
    await slack.drain()

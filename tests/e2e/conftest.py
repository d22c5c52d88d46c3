"""The whole bot over HTTP against the bundled Slack emulator, on each database backend."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession
from aiohttp.test_utils import TestServer, unused_port

from bot.app import create_app
from bot.keys import database_key, outbox_worker_key
from bot.settings import Settings
from slack_emulator import SlackEmulator
from slack_emulator.state import Channel
from storage.engine import Database
from tests.e2e.fresh_database import fresh_database
from tests.helpers import running_emulator

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
    _client: ClientSession | None = None

    @property
    def database(self) -> Database:
        return self.server.app[database_key]

    async def settle(self, within: float = 20.0) -> None:
        """Wait until the outbox has done all it can and Slack's echoes have been delivered."""
        async with asyncio.timeout(within):
            for _ in range(3):  # echoes can cause more work, which can cause more echoes
                await self.server.app[outbox_worker_key].wait_until_idle()
                await self.slack.drain()

    async def command(
        self, text: str, *, user: str | None = None, channel: str | None = None, command: str = "/incident"
    ) -> dict[str, Any]:
        delivery = await self.slack.slash_command(
            user=user or self.people.alice, channel=channel or self.general, text=text, command=command
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

    def incident_channels(self) -> list[Channel]:
        return [channel for channel in self.slack.channels.values() if channel.name.startswith("inc-")]

    async def webhook(
        self, source: str, body: Any, *, token: str | None = "default", headers: dict[str, str] | None = None
    ) -> ClientResponse:
        """POST a webhook as an alerting system would: JSON (or raw bytes) with the bearer token."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {WEBHOOK_TOKEN if token == 'default' else token}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
        payload: bytes | io.BytesIO = io.BytesIO(data) if len(data) > 65536 else data  # aiohttp warns on big bytes
        response = await self.client.post(f"/webhooks/{source}", data=payload, headers=sent)
        await response.read()
        return response

    @property
    def client(self) -> ClientSession:
        if self._client is None:
            self._client = ClientSession(base_url=str(self.server.make_url("/")))
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def make_settings(slack: SlackEmulator, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "database_url": database_url,
        "announce_channel": "#incidents",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with running_emulator(SIGNING_SECRET) as emulator:
        yield emulator


WEBHOOK_TOKEN = "e2e-webhook-token-0123456789"
StartBot = Callable[..., Awaitable[Workspace]]


@pytest.fixture
async def start_bot(
    slack: SlackEmulator,
    database_url: str,
    aiohttp_server: Callable[..., Any],
    tmp_path: Path,
) -> AsyncIterator[StartBot]:
    """Start the bot with an ONCALL_CONFIG text and setting overrides; WEBHOOK_TOKEN is set.

    `sign_in=True` sets up Sign in with Slack against the emulator (its redirect URL needs the port first).
    """
    started: list[Workspace] = []

    async def start(
        config: str | Callable[[People], str] | None = None, *, sign_in: bool = False, **overrides: Any
    ) -> Workspace:
        people = People(
            alice=slack.add_user("alice", real_name="Alice Smith"),
            bob=slack.add_user("bob", real_name="Bob Jones"),
            carol=slack.add_user("carol", real_name="Carol White"),
        )
        general = slack.add_channel("general", creator=people.alice, members=[people.alice, people.bob, people.carol])
        incidents = slack.add_channel("incidents", creator=people.alice, members=[people.alice])
        if callable(config):  # a config that names people needs their ids
            config = config(people)
        if config is not None:
            path = tmp_path / "oncall.yml"
            path.write_text(config, encoding="utf-8")
            overrides.setdefault("oncall_config", path)
        overrides.setdefault("webhook_token", WEBHOOK_TOKEN)
        port = unused_port() if sign_in else None
        if sign_in:
            overrides.setdefault("slack_client_id", slack.client_id)
            overrides.setdefault("slack_client_secret", slack.client_secret)
            overrides.setdefault("web_base_url", f"http://127.0.0.1:{port}")
        app = create_app(make_settings(slack, database_url, **overrides))
        server: TestServer = await aiohttp_server(app, port=port)
        slack.bot_endpoint = str(server.make_url("/slack/events"))
        workspace = Workspace(slack, server, people, general, incidents)
        started.append(workspace)
        return workspace

    yield start
    await slack.drain()
    for workspace in started:
        await workspace.close()


@pytest.fixture
async def workspace(start_bot: StartBot) -> Workspace:
    return await start_bot()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that call configure_logging: the root logger is as it was afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database as a new install has it (in tmp_path/data): no SQLite file yet, or an empty PostgreSQL one."""
    (tmp_path / "data").mkdir()
    async with fresh_database(request.param, tmp_path / "data") as url:
        yield url

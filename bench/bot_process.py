"""The bot as `oncall-bot serve` runs it, with the Slack emulator in a process of its own, on loopback.

Every benchmark of the bot starts it here, so they all measure the same deployment: log level INFO
and no access log (the defaults), a fresh database, and none of the developer's settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import databases
from bench.emulator_server import READY_PATTERN
from bench.servers import Server, free_port, python_command, serve
from bot.settings import Settings

WEBHOOK_TOKEN = "bench-webhook-token-0123456789abcdef"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token"
ERROR_LINE = r"\b(ERROR|CRITICAL)\b|Traceback"


@dataclass(frozen=True)
class Workspace:
    """Who and what the emulated Slack holds, by name."""

    bot_user_id: str
    users: dict[str, str]
    channels: dict[str, str]


@dataclass(frozen=True)
class Call:
    """One Web API call the bot made: when it reached Slack (time.monotonic), and its outcome."""

    at: float
    method: str
    channel: str | None
    http_status: int
    ok: bool


@dataclass
class RunningBot:
    bot: Server
    emulator: Server
    database_url: str
    stats_url: str

    async def workspace(self) -> Workspace:
        data = await self._stats("/people")
        return Workspace(data["bot_user_id"], data["users"], data["channels"])

    async def calls(self) -> list[Call]:
        return [Call(*row) for row in (await self._stats("/calls"))["calls"]]

    def error_log_lines(self) -> int:
        return self.bot.count_log_lines(ERROR_LINE)

    async def _stats(self, path: str) -> Any:
        async with aiohttp.ClientSession() as session, session.get(self.stats_url + path) as response:
            response.raise_for_status()
            return await response.json()


@asynccontextmanager
async def running_bot(
    workdir: Path, database_url: str, *, settings: dict[str, str] | None = None
) -> AsyncIterator[RunningBot]:
    """Start the emulator, then the bot pointed at it and at `database_url`; stop both when the block ends.

    `settings` adds environment variables (WEB_TOKEN, ONCALL_CONFIG …) to the ones every benchmark gives."""
    async with running_bots(workdir, database_url, replicas=1, settings=settings) as bots:
        yield bots[0]


@asynccontextmanager
async def running_bots(
    workdir: Path, database_url: str, *, replicas: int, settings: dict[str, str] | None = None
) -> AsyncIterator[list[RunningBot]]:
    """One emulator and `replicas` bots sharing `database_url` (PostgreSQL, past one); Slack delivers to the first."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)  # the bots' cwd, below
    ports, stats_port = [free_port() for _ in range(replicas)], free_port()
    emulator_command = python_command(
        "bench.emulator_server",
        "--signing-secret",
        SIGNING_SECRET,
        "--bot-token",
        BOT_TOKEN,
        "--bot-endpoint",
        f"http://127.0.0.1:{ports[0]}/slack/events",
        "--stats-port",
        str(stats_port),
    )
    async with (
        serve("slack emulator", emulator_command, logs=workdir, ready_line=READY_PATTERN) as emulator,
        contextlib.AsyncExitStack() as stack,
    ):
        bots = []
        for number, port in enumerate(ports):
            name = "bot" if number == 0 else f"bot-{number + 1}"
            command = python_command("handlers.cli.main", "serve")
            environment = _environment(emulator.url, database_url, port) | (settings or {})
            server = serve(name, command, logs=workdir, env=environment, cwd=workdir, port=port, ready_path="/readyz")
            bot = await stack.enter_async_context(server)
            bots.append(RunningBot(bot, emulator, database_url, f"http://127.0.0.1:{stats_port}"))
        yield bots


def _environment(emulator_url: str, database_url: str, port: int) -> dict[str, str | None]:
    # Each of the bot's settings is given here or removed: a developer's shell must not change what is measured.
    environment: dict[str, str | None] = {name.upper(): None for name in Settings.model_fields}
    # cwd is the run's own folder, so a developer's ./.env cannot either.
    return environment | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator_url + "/",
        "DATABASE_URL": database_url,
        "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "ANNOUNCE_CHANNEL": "#incidents",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "INFO",  # as shipped: its log lines are part of the cost
    }


async def wait_until_outbox_idle(database_url: str, *, within: float, poll: float = 0.1) -> float | None:
    """Seconds until no outbox entry is pending (every Slack call the bot owes is made), or None if not within."""
    started = asyncio.get_running_loop().time()
    async with databases.reader(database_url) as read:
        while (waited := asyncio.get_running_loop().time() - started) < within:
            if not await read("SELECT count(*) FROM outbox WHERE state = 'pending'"):
                return waited
            await asyncio.sleep(poll)
    return None

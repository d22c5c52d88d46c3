"""`oncall-bot serve` as a real process, for tests that kill it, restart it or start several at once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from slack_emulator import SlackEmulator
from tests.e2e.conftest import SIGNING_SECRET, WEBHOOK_TOKEN
from tests.helpers import eventually


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def oncall_bot(*args: str, env: dict[str, str], cwd: Path | None = None) -> tuple[int, str, str]:
    """Run `oncall-bot …` to its end: the exit code, standard output and standard error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.cli.main",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def serve_environment(
    *, database_url: str, port: int, slack: SlackEmulator | None = None, config: Path | None = None
) -> dict[str, str]:
    """What an operator sets for `serve`; without an emulator Slack is never called."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": slack.bot_token if slack else "xoxb-unused",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": database_url,
        "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ANNOUNCE_CHANNEL": "#incidents",
    }
    if slack is not None:
        env["SLACK_API_URL"] = slack.api_url
    if config is not None:
        env["ONCALL_CONFIG"] = str(config)
    return env


class BotProcess:
    """One `serve` process writing to its own log; `start()` after `kill()` restarts it on the same port.
    `command` is this checkout's bot unless a test runs another install of it."""

    def __init__(
        self,
        name: str,
        env: dict[str, str],
        cwd: Path,
        command: Sequence[str] = (sys.executable, "-m", "handlers.cli.main"),
        arguments: Sequence[str] = (),
    ) -> None:
        self.name, self.env, self.cwd, self.command = name, env, cwd, tuple(command)
        self.arguments = list(arguments)  # after `serve`: --host, --port
        given = self.arguments[self.arguments.index("--port") + 1] if "--port" in self.arguments else env["PORT"]
        self.port = int(given)
        self.log = cwd / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    async def start(self) -> None:
        with self.log.open("ab") as output:  # a restart appends, so one log tells the whole story
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                "serve",
                *self.arguments,
                env=self.env,
                cwd=self.cwd,
                stdout=output,
                stderr=output,
            )

    async def wait_ready(self, within: float = 30.0) -> None:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                if self.returncode is not None:  # not an AssertionError: eventually() would keep waiting
                    raise RuntimeError(f"{self.name} exited {self.returncode}:\n{self.log_text()}")
                try:
                    async with http.get(self.url("/readyz")) as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await eventually(ready, within=within, interval=0.1)

    async def kill(self) -> None:
        """SIGKILL: no cleanup runs, as when the machine or the container dies."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@asynccontextmanager
async def running(*bots: BotProcess, ready: bool = True) -> AsyncIterator[tuple[BotProcess, ...]]:
    """Start every bot at the same moment; stop them all at the end, whatever happened."""
    try:
        await asyncio.gather(*(bot.start() for bot in bots))
        if ready:
            await asyncio.gather(*(bot.wait_ready() for bot in bots))
        yield bots
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots))

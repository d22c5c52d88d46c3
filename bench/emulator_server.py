"""The bundled Slack emulator as a process of its own, so its CPU is not charged to the bot.

`python -m bench.emulator_server --signing-secret S [--bot-endpoint URL] [--stats-port P]` prints
`EMULATOR_API_URL=http://127.0.0.1:PORT/api/` once it listens, then serves until SIGTERM or SIGINT.

With `--stats-port`, it also answers on that port what a benchmark asks about the workspace:
`GET /people` (the bot's user id, people and channels by name) and `GET /calls` (every Web API call the
bot made so far, with when it arrived).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from typing import Any

from aiohttp import web

from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import ApiCall, SlackEmulator

READY_PREFIX = "EMULATOR_API_URL="
READY_PATTERN = READY_PREFIX + r"(\S+)"
PEOPLE = {"alice": "Alice Smith", "bob": "Bob Jones", "carol": "Carol White", "dave": "Dave Brown"}
emulator_key = web.AppKey("emulator", SlackEmulator)


class TimedCalls(list[ApiCall]):
    """The emulator's call log, also noting when each call arrived (CLOCK_MONOTONIC: the same in every process)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    def append(self, call: ApiCall) -> None:
        self.arrived.append(time.monotonic())
        super().append(call)


async def handle_people(request: web.Request) -> web.Response:
    workspace = request.app[emulator_key].workspace
    return web.json_response(
        {
            "bot_user_id": request.app[emulator_key].bot_user_id,
            "users": {user.name: user.id for user in workspace.users.values()},
            "channels": {channel.name: channel.id for channel in workspace.channels.values()},
        }
    )


async def handle_calls(request: web.Request) -> web.Response:
    emulator = request.app[emulator_key]
    calls = emulator.workspace.calls
    assert isinstance(calls, TimedCalls)
    rows = [
        [at, call.method, _channel_id(emulator, call.args), call.http_status, bool((call.response or {}).get("ok"))]
        for at, call in zip(calls.arrived, calls, strict=True)
    ]
    return web.json_response({"calls": rows})


def _channel_id(emulator: SlackEmulator, args: dict[str, Any]) -> str | None:
    """The channel a call is about, as an id: the bot names some by `#name`, bookmarks say `channel_id`."""
    named = args.get("channel") or args.get("channel_id")
    if not named:
        return None
    channel = emulator.workspace.channels.get(str(named)) or emulator.workspace.channel_by_name(str(named).lstrip("#"))
    return channel.id if channel is not None else str(named)


async def serve(signing_secret: str, bot_token: str, bot_endpoint: str | None, stats_port: int | None) -> None:
    emulator = SlackEmulator(
        scopes=REQUIRED_SCOPES, signing_secret=signing_secret, bot_token=bot_token, rate_limits=True
    )
    emulator.workspace.calls = TimedCalls()
    await emulator.start()
    stats: web.AppRunner | None = None
    try:
        # The channels the bot posts to by default: ANNOUNCE_CHANNEL and alerts.channel. A person
        # creates them, as in a real workspace; the bot joins a public channel when it first posts.
        people = [emulator.add_user(name, real_name=real_name) for name, real_name in PEOPLE.items()]
        emulator.add_channel("incidents", creator=people[0], members=people)
        emulator.add_channel("alerts", creator=people[0], members=people)
        # Set, Slack echoes the bot's own posts back as events, as the real one does.
        emulator.bot_endpoint = bot_endpoint
        if stats_port is not None:
            app = web.Application()
            app[emulator_key] = emulator
            app.router.add_get("/people", handle_people)
            app.router.add_get("/calls", handle_calls)
            stats = web.AppRunner(app, access_log=None)
            await stats.setup()
            await web.TCPSite(stats, "127.0.0.1", stats_port).start()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        print(READY_PREFIX + emulator.api_url, flush=True)
        await stopping.wait()
    finally:
        if stats is not None:
            await stats.cleanup()
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--bot-token", default="xoxb-emulator-token")
    parser.add_argument("--bot-endpoint", help="where Slack delivers events: the bot's /slack/events URL")
    parser.add_argument("--stats-port", type=int, help="also answer GET /people and GET /calls on this port")
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.signing_secret, arguments.bot_token, arguments.bot_endpoint, arguments.stats_port))


if __name__ == "__main__":
    main()

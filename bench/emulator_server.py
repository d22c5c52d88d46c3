"""The bundled Slack emulator as a process of its own, so its CPU is not charged to the bot.

`python -m bench.emulator_server --signing-secret S [--bot-endpoint URL]` prints
`EMULATOR_API_URL=http://127.0.0.1:PORT/api/` once it listens, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from bot.emulator import SlackEmulator

READY_PREFIX = "EMULATOR_API_URL="
READY_PATTERN = READY_PREFIX + r"(\S+)"


async def serve(signing_secret: str, bot_token: str, bot_endpoint: str | None) -> None:
    emulator = SlackEmulator(signing_secret=signing_secret, bot_token=bot_token, rate_limits=True)
    await emulator.start()
    try:
        # The channels the bot posts to by default: ANNOUNCE_CHANNEL and alerts.channel. A person
        # creates them, as in a real workspace; the bot joins a public channel when it first posts.
        person = emulator.add_user("alice", real_name="Alice Smith")
        emulator.add_channel("incidents", creator=person, members=[person])
        emulator.add_channel("alerts", creator=person, members=[person])
        # Set, Slack echoes the bot's own posts back as events, as the real one does.
        emulator.bot_endpoint = bot_endpoint
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        print(READY_PREFIX + emulator.api_url, flush=True)
        await stopping.wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--bot-token", default="xoxb-emulator-token")
    parser.add_argument("--bot-endpoint", help="where Slack delivers events: the bot's /slack/events URL")
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.signing_secret, arguments.bot_token, arguments.bot_endpoint))


if __name__ == "__main__":
    main()

"""`oncall-bot emulator` when something is missing: each case is one line saying what to start."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from tests.e2e.bot_process import BotProcess, free_port, oncall_bot, running
from tests.helpers import eventually

ENV = {"PATH": "/usr/bin:/bin"}


class Emulator(BotProcess):
    """`oncall-bot emulator --port N --bot-url …` in the background."""

    def __init__(self, port: int, bot_url: str, cwd: Path) -> None:
        super().__init__("emulator", ENV | {"PORT": str(port)}, cwd)
        self.bot_url = bot_url

    async def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "handlers.cli.main",
                "emulator",
                "--port",
                str(self.port),
                "--bot-url",
                self.bot_url,
                env=self.env,
                cwd=self.cwd,
                stdout=output,
                stderr=output,
            )


async def test_saying_something_without_an_emulator_says_to_start_one() -> None:
    port = free_port()
    code, out, err = await oncall_bot("emulator", "--port", str(port), "say", "/incident help", env=ENV)
    assert (code, out) == (2, "")
    assert err == (
        f"oncall-bot: no emulator on 127.0.0.1:{port}: start it with `oncall-bot emulator` in another terminal\n"
    )


async def test_without_a_bot_the_emulator_says_where_it_looked(tmp_path: Path) -> None:
    bot_url = f"http://127.0.0.1:{free_port()}/slack/events"  # nothing listens there
    emulator = Emulator(free_port(), bot_url, tmp_path)
    async with running(emulator, ready=False):
        await eventually(lambda: "Ctrl-C stops the emulator" in emulator.log_text(), within=30)
        code, out, err = await oncall_bot("emulator", "--port", str(emulator.port), "say", "/incident help", env=ENV)
        assert (code, out) == (1, "")
        assert err.startswith(f"oncall-bot: the bot did not answer at {bot_url} (")
        assert err.endswith("is `oncall-bot serve` running with the settings `oncall-bot emulator` printed?\n")

        elsewhere = ("say", "--channel", "nope", "hi")
        code, _, err = await oncall_bot("emulator", "--port", str(emulator.port), *elsewhere, env=ENV)
        assert (code, err) == (1, "oncall-bot: no channel #nope: the channels are #general, #incidents, #alerts\n")


async def test_a_taken_emulator_port_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = await oncall_bot("emulator", "--port", str(port), env=ENV)
    assert (code, out, err) == (2, "", f"oncall-bot: port {port} on 127.0.0.1 is in use: pass --port\n")

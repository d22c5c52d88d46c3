"""The README's set-up steps, followed literally, with the bundled emulator playing Slack.

Each path runs its shell blocks as written (only the tokens a person would paste are filled in),
"creates the app" in the emulator from the manifest the first block printed, and ends as the README
says it does: `/incident declare …` opens the incident's channel.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import yaml

from handlers.cli import emulator as local_slack
from slack_emulator import SlackEmulator
from tests.docs_blocks import DEFAULT_ADDRESS
from tests.e2e.bot_process import BotProcess, free_port, running
from tests.helpers import eventually

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "slack" / "manifest.schema.2.0.0.json").read_text())


def section(heading: str) -> str:
    """The README's text under `heading`, up to the next heading of the same or a higher level."""
    body = README.index(f"\n{heading}\n") + len(heading) + 2
    higher = re.compile("^#{1,%s} " % len(heading.split()[0]), re.MULTILINE)  # noqa: UP031  (the regex's braces)
    end = higher.search(README, body)
    return README[body : end.start() if end else len(README)]


def shell_blocks(text: str) -> list[str]:
    """Every ```sh block, unindented (the numbered steps indent theirs)."""
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```$", text, re.MULTILINE | re.DOTALL)
    return ["\n".join(line.removeprefix(indent) for line in body.splitlines()) for indent, body in blocks]


def promised_channel(text: str) -> tuple[str, str]:
    """The slash command the steps end with, and the channel they say it opens."""
    declare = re.search(r"type `/incident (declare [^`]+)`", text)
    opened = re.search(r"opens\s+`#([a-z0-9-]+)`", text)
    assert declare and opened, "the steps end with a /incident declare and the channel it opens"
    return declare.group(1), opened.group(1)


def shell_environment(**settings: str) -> dict[str, str]:
    """A shell whose `oncall-bot` is this checkout's, with nothing of the developer's settings."""
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/nonexistent", **settings}


async def run(script: str, env: dict[str, str], cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash", "-euc", script, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, f"{script}\n→ exit {process.returncode}:\n{output.decode()}"
    return output.decode()


class Pasted(BotProcess):
    """A README block run by bash as a person pastes it; the `serve` in it listens on PORT."""

    def __init__(self, name: str, script: str, env: dict[str, str], cwd: Path) -> None:
        super().__init__(name, env, cwd)
        self.script = script

    async def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                "bash",
                "-euc",
                self.script,
                env=self.env,
                cwd=self.cwd,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )

    async def stop(self) -> None:
        """The whole process group: bash and what it started."""
        if self.process is None or self.process.returncode is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=15)
        except TimeoutError:
            os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


def install(slack: SlackEmulator, pasted: str) -> dict[str, Any]:
    """What Slack does with a pasted manifest, as far as the bot can tell: check it, grant its scopes."""
    manifest: dict[str, Any] = yaml.safe_load(pasted)
    jsonschema.validate(manifest, SCHEMA)
    slack.scopes.clear()
    slack.scopes.update(manifest["oauth_config"]["scopes"]["bot"])
    return manifest


def fill_in(script: str, slack: SlackEmulator) -> str:
    """The values a person pastes from the app's settings pages."""
    return (
        script.replace("xoxb-…", slack.bot_token)
        .replace("xapp-…", slack.app_token)
        .replace("SLACK_SIGNING_SECRET=…", f"SLACK_SIGNING_SECRET={slack.signing_secret}")
    )


def workspace(slack: SlackEmulator) -> tuple[str, str]:
    alice = slack.add_user("alice")
    general = slack.add_channel("general", creator=alice, members=[alice])
    slack.add_channel("incidents", creator=alice, members=[alice])
    return alice, general


async def declare_and_see_the_channel(slack: SlackEmulator, steps: str, alice: str, general: str) -> None:
    text, channel = promised_channel(steps)
    delivery = await slack.slash_command(user=alice, channel=general, text=text)
    assert delivery.status == 200, delivery.text
    assert "INC-1" in (delivery.json() or {}).get("text", "")
    await eventually(lambda: slack.channel_by_name(channel) is not None, within=20)


async def follow(heading: str, slack: SlackEmulator, tmp_path: Path, *, socket_mode: bool) -> str:
    """Every step under `heading`, then the declare it ends with; what the shell printed."""
    steps = section(heading)
    [make_manifest, check, start] = shell_blocks(steps)
    alice, general = workspace(slack)
    env = shell_environment(SLACK_API_URL=slack.api_url, PORT=str(free_port()))
    manifest = install(slack, await run(make_manifest, env, tmp_path))
    assert manifest["settings"]["socket_mode_enabled"] is socket_mode
    bot = Pasted("bot", fill_in(f"{check}\n{start}", slack), env, tmp_path)
    if not socket_mode:
        [url] = {command["url"] for command in manifest["features"]["slash_commands"]}
        assert manifest["settings"]["event_subscriptions"]["request_url"] == url
        # The public address's HTTPS proxy forwards to serve's HOST:PORT.
        slack.bot_endpoint = f"http://127.0.0.1:{bot.port}{urlsplit(url).path}"
    async with running(bot):
        if socket_mode:
            assert await eventually(lambda: slack.socket_mode.is_connected)
            slack.bot_endpoint = None  # no public address: everything comes over the bot's own WebSocket
        await declare_and_see_the_channel(slack, steps, alice, general)
    said = bot.log_text()
    assert "\nall good\n" in said, said  # doctor, before serve
    return said


async def test_the_socket_mode_steps_end_with_a_declared_incident(slack: SlackEmulator, tmp_path: Path) -> None:
    said = await follow("### Socket Mode", slack, tmp_path, socket_mode=True)
    assert "oncall-bot ready: Socket Mode (connected to Slack)" in said


async def test_the_http_steps_end_with_a_declared_incident(slack: SlackEmulator, tmp_path: Path) -> None:
    said = await follow("### HTTP", slack, tmp_path, socket_mode=False)
    assert "oncall-bot ready: HTTP mode (Slack posts to /slack/events)" in said


async def test_try_it_locally_as_written(tmp_path: Path) -> None:
    steps = section("## Try it locally")
    [emulator, serve, act, alert, look] = shell_blocks(steps)
    token = re.search(r"`export WEBHOOK_TOKEN=([^`]+)`", steps)
    assert token and token.group(1) == local_slack.WEBHOOK_TOKEN  # the one the serve block starts the bot with
    port = free_port()  # where `serve` listens; the README's commands follow PORT
    env = shell_environment(PORT=str(port))

    emulator_process = Pasted("emulator", emulator, env, tmp_path)
    bot = Pasted("bot", serve, env, tmp_path)
    async with running(emulator_process, ready=False):
        await eventually(lambda: "Ctrl-C stops the emulator" in emulator_process.log_text(), within=30)
        printed = emulator_process.log_text()
        for name, value in local_slack.environment(local_slack.DEFAULT_PORT).items():
            assert f"{name}={value}" in serve and f"{name}={value}" in printed  # the README shows what it prints
        async with running(bot):
            shown = await run(act, env, tmp_path)
            # the docs' curl posts to the default address (tests/docs_blocks.py): here the bot's port
            exported = env | {"WEBHOOK_TOKEN": token.group(1)}
            answer = await run(alert.replace(DEFAULT_ADDRESS, bot.url("")), exported, tmp_path)
            channels = await run(look, env, tmp_path)

    assert "(only you) 🚨 INC-1 declared: DB down" in shown  # Slack's markup drawn for a terminal
    assert "#inc-1-db-down  alice: Failing over to the replica" in shown
    assert '"accepted"' in answer
    assert "#incidents\n  oncall: " in channels  # the announcements
    assert "Checkout 5xx above 5%" in channels  # the alert, posted where the bot's routing decided
    assert (tmp_path / "oncall-local.db").is_file()

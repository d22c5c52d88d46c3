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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jsonschema
import yaml

from bot import local_slack
from bot.emulator import SlackEmulator
from tests.e2e.bot_process import free_port
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


@dataclass
class Running:
    process: asyncio.subprocess.Process
    log: Path

    def said(self) -> str:
        return self.log.read_text()


@asynccontextmanager
async def background(script: str, env: dict[str, str], cwd: Path, log: Path) -> AsyncIterator[Running]:
    """Run a script that keeps running (`serve`, the emulator); stop its whole process group at the end."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            "bash", "-euc", script, env=env, cwd=cwd, stdout=output, stderr=output, start_new_session=True
        )
    try:
        yield Running(process, log)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


async def ready(port: int, bot: Running) -> None:
    async with aiohttp.ClientSession() as http:

        async def answers() -> bool:
            if bot.process.returncode is not None:  # not an AssertionError: eventually() would keep waiting
                raise RuntimeError(f"it exited {bot.process.returncode}:\n{bot.said()}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(answers, within=60, interval=0.2)


def install(slack: SlackEmulator, manifest_file: Path) -> dict[str, Any]:
    """What Slack does with a pasted manifest, as far as the bot can tell: check it, grant its scopes."""
    manifest: dict[str, Any] = yaml.safe_load(manifest_file.read_text())
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


async def test_the_socket_mode_steps_end_with_a_declared_incident(slack: SlackEmulator, tmp_path: Path) -> None:
    steps = section("### Socket Mode")
    [make_manifest, check, start] = shell_blocks(steps)
    alice, general = workspace(slack)
    port = free_port()
    env = shell_environment(SLACK_API_URL=slack.api_url, PORT=str(port))

    await run(make_manifest, env, tmp_path)
    manifest = install(slack, tmp_path / "oncall-manifest.yml")
    assert manifest["settings"]["socket_mode_enabled"] is True

    async with background(fill_in(f"{check}\n{start}", slack), env, tmp_path, tmp_path / "bot.log") as bot:
        await ready(port, bot)
        assert await eventually(lambda: slack.socket_mode.is_connected)
        slack.bot_endpoint = None  # no public address: everything comes over the bot's own WebSocket
        await declare_and_see_the_channel(slack, steps, alice, general)
    said = bot.said()
    assert "\nall good\n" in said, said  # doctor, before serve
    assert "oncall-bot ready: Socket Mode (connected to Slack)" in said


async def test_the_http_steps_end_with_a_declared_incident(slack: SlackEmulator, tmp_path: Path) -> None:
    steps = section("### HTTP")
    [make_manifest, check, start] = shell_blocks(steps)
    alice, general = workspace(slack)
    port = free_port()
    env = shell_environment(SLACK_API_URL=slack.api_url, PORT=str(port))

    await run(make_manifest, env, tmp_path)
    manifest = install(slack, tmp_path / "oncall-manifest.yml")
    assert manifest["settings"]["socket_mode_enabled"] is False
    [url] = {command["url"] for command in manifest["features"]["slash_commands"]}
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    # The public address's HTTPS proxy forwards to serve's HOST:PORT.
    slack.bot_endpoint = f"http://127.0.0.1:{port}{urlsplit(url).path}"

    async with background(fill_in(f"{check}\n{start}", slack), env, tmp_path, tmp_path / "bot.log") as bot:
        await ready(port, bot)
        await declare_and_see_the_channel(slack, steps, alice, general)
    said = bot.said()
    assert "\nall good\n" in said, said
    assert "oncall-bot ready: HTTP mode (Slack posts to /slack/events)" in said


async def test_try_it_locally_as_written(tmp_path: Path) -> None:
    [emulator, serve, act] = shell_blocks(section("## Try it locally"))
    port = free_port()  # where `serve` listens; the README's commands follow PORT
    env = shell_environment(PORT=str(port))

    async with background(emulator, env, tmp_path, tmp_path / "emulator.log") as slack:
        await eventually(lambda: "Ctrl-C stops the emulator" in slack.said(), within=30)
        printed = slack.said()
        for name, value in local_slack.environment(local_slack.DEFAULT_PORT).items():
            assert f"{name}={value}" in serve and f"{name}={value}" in printed  # the README shows what it prints
        async with background(serve, env, tmp_path, tmp_path / "serve.log") as bot:
            await ready(port, bot)
            shown = await run(act, env, tmp_path)

    assert "(only you) :rotating_light: *INC-1* declared: DB down" in shown
    assert "#inc-1-db-down  alice: Failing over to the replica" in shown
    assert "#incidents\n  oncall: " in shown  # the announcement
    assert "Checkout 5xx above 5%" in shown  # the alert, posted as the bot's routing decided
    assert (tmp_path / "oncall-local.db").is_file()

"""Start the emulator and the bot on loopback, on a simulated clock; play the story; show what people see."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shlex
import shutil
import socket
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from aiohttp import web
from rich.console import Console
from rich.text import Text

from bot.app import create_app
from bot.clock import SimulatedClock, simulated
from bot.config.schema import load_config
from bot.config.secrets import known_secrets
from bot.observability.logs import ConsoleFormatter, RedactingFilter
from bot.settings import Settings
from bot.slack.scopes import REQUIRED_SCOPES
from handlers.cli.demo.channels import ChannelView
from handlers.cli.demo.config import Cast, demo_config
from handlers.cli.demo.stage import Stage, StoryStuck
from handlers.cli.demo.story import next_morning, play
from slack_emulator import SlackEmulator

DEMO_DATABASE = Path("oncall-demo.db")
STORY_TIME, RETRO_TIME, END_MARGIN = time(14), time(10), timedelta(minutes=15)
SHOWN_CHANNELS = ("incidents", "alerts", "inc-1-", "slo-digest", "retros")


def prepare_database(path: Path = DEMO_DATABASE) -> Path:
    """A fresh SQLite file for each demo run (before the event loop starts: it touches the disk)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return path.resolve()


def story_start(now: datetime) -> datetime:
    """14:00 (UTC) on the latest afternoon whose story is over by now, its next morning's retro included.

    Everything the demo stores is then in the past, as if it had happened: the postmortem rendered
    afterwards by `oncall-bot postmortem` is generated after the incident, not before it.
    """
    end = datetime.combine(now.date(), RETRO_TIME, UTC)
    if end > now - END_MARGIN:
        end -= timedelta(days=1)
    return datetime.combine(end.date() - timedelta(days=1), STORY_TIME, UTC)


def program() -> str:
    """How to run this same oncall-bot again from here: by name when PATH finds it, else by its path."""
    script = Path(sys.argv[0])
    if script.name != "oncall-bot":  # python -m handlers.cli.main
        return f"{shlex.quote(sys.executable)} -m handlers.cli.main"
    found = shutil.which("oncall-bot")
    if found and Path(found).resolve() == script.resolve():
        return "oncall-bot"
    path = script.resolve()
    inside = path.is_relative_to(Path.cwd())
    return shlex.quote(os.path.relpath(path) if inside else str(path))


async def run_demo(database: Path, *, serve_for: float | None = None, port: int = 0) -> int:
    """Play the story and print every channel; with `serve_for` keep serving the web pages (0: until Ctrl-C)."""
    # What the bot and people wrote is shown as it is: no rich markup, emoji or highlighting of its own.
    console = Console(highlight=False, emoji=False, markup=False)
    start = story_start(datetime.now(UTC))
    clock = SimulatedClock(start)
    with simulated(clock):
        return await _run(console, clock, start, database, serve_for=serve_for, port=port)


async def _run(
    console: Console, clock: SimulatedClock, start: datetime, database: Path, *, serve_for: float | None, port: int
) -> int:
    signing_secret, webhook_token = (secrets.token_urlsafe(24) for _ in range(2))
    # Slack's per-second limits are the bot's to respect (it paces itself, on the simulated clock too).
    slack = SlackEmulator(
        scopes=REQUIRED_SCOPES, signing_secret=signing_secret, clock=clock.timestamp, rate_limits=False
    )
    await slack.start()
    cast = Cast(
        alice=slack.add_user("alice", real_name="Alice Ng (SRE, on call)"),
        bob=slack.add_user("bob", real_name="Bob Diaz (payments)"),
        carol=slack.add_user("carol", real_name="Carol Wu (release manager)"),
        dana=slack.add_user("dana", real_name="Dana Levi (engineering manager)"),
    )
    everyone = list(vars(cast).values())
    for name in ("incidents", "alerts", "slo-digest", "retros"):
        slack.add_channel(name, creator=cast.alice, members=everyone)
    config = database.with_suffix(".yml")
    config.write_text(demo_config(cast, digest_day=next_morning(start)), encoding="utf-8")
    # Bound first, so the pages' address (Sign in with Slack's redirect URL) is known before the bot starts.
    listening = socket.create_server(("127.0.0.1", port))
    bot_url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    settings = Settings(
        _env_file=None,
        slack_bot_token=slack.bot_token,
        slack_signing_secret=signing_secret,
        slack_api_url=slack.api_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        announce_channel="#incidents",
        webhook_token=webhook_token,
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,
        web_base_url=bot_url,
        oncall_config=config,
        host="127.0.0.1",
        port=port,
    )
    log = _log_to(database.with_suffix(".log"), settings)
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.SockSite(runner, listening)
    await site.start()
    slack.bot_endpoint = f"{bot_url}/slack/events"
    console.print(
        Text.assemble(
            ("oncall-bot demo", "bold"),
            f": the bot at {bot_url}, a Slack emulator at {slack.api_url}; on a simulated clock from ",
            (f"{start:%a %Y-%m-%d %H:%M} UTC", "cyan"),
            " (a day of the story in seconds)\n",
        )
    )
    stage = Stage(slack, app, clock=clock, bot_url=bot_url, webhook_token=webhook_token, console=console)
    try:
        try:
            await play(stage, cast, start)
        except StoryStuck as exc:
            console.print(Text(f"The story stopped: {exc}; see the bot's log at {log}", style="red"))
            return 1
        saved = _save_files(slack, database.parent)
        console.print(Text("\nWhat each channel shows now", style="bold"))
        view = ChannelView(slack, stage.names, images=saved.images)
        for prefix in SHOWN_CHANNELS:
            for channel in [c for c in slack.channels.values() if c.name.startswith(prefix)]:
                console.print(view.panel(channel.id))
        _closing(console, database, config, log, saved)
        if serve_for is not None:
            console.print(f"Web pages: {bot_url}/auth/slack", soft_wrap=True)
            ending = "until Ctrl-C" if not serve_for else f"for {serve_for:g} s"
            console.print(
                f"(Sign in with Slack: the emulated Slack signs you in as alice; the demo serves its pages {ending})",
                soft_wrap=True,
            )
            await asyncio.sleep(serve_for or float("inf"))
    finally:
        await runner.cleanup()
        await slack.stop()
    return 0 if saved.postmortem is not None else 1


class _Saved:
    def __init__(self) -> None:
        self.postmortem: Path | None = None
        self.images: dict[str, Path] = {}


def _save_files(slack: SlackEmulator, folder: Path) -> _Saved:
    """The postmortem and the digest's chart exactly as the bot uploaded them."""
    saved = _Saved()
    for file in slack.files.values():
        if not file.uploaded:
            continue
        if file.name.endswith(".md"):
            saved.postmortem = folder / file.name
            saved.postmortem.write_bytes(file.content)
        elif file.name.endswith(".png"):
            saved.images[file.id] = folder / file.name
            saved.images[file.id].write_bytes(file.content)
    return saved


def _log_to(path: Path, settings: Settings) -> Path:
    """The bot's own log goes to a file: the terminal is for the story."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.addFilter(RedactingFilter(known_secrets(settings, load_config(settings.oncall_config))))
    handler.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)-7s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return path


def _closing(console: Console, database: Path, config: Path, log: Path, saved: _Saved) -> None:
    console.print()
    if saved.postmortem is None:
        console.print(Text(f"The postmortem was not uploaded: see the bot's log at {log}", style="red"))
    else:
        console.print(f"The postmortem uploaded to the incident channel is at {saved.postmortem}", soft_wrap=True)
    for image in saved.images.values():
        console.print(f"The digest's chart is at {image}", soft_wrap=True)
    console.print(f"The demo's database (SQLite) is at {database}, its ONCALL_CONFIG at {config}", soft_wrap=True)
    console.print(f"The bot's log is at {log}", soft_wrap=True)
    url = shlex.quote(f"sqlite+aiosqlite:///{database}")
    console.print(Text("\nLook further", style="bold"))
    for command in (
        f"DATABASE_URL={url} {program()} postmortem INC-1",
        f"{program()} demo --serve    # the story again, then its web pages (prints a login link)",
    ):
        console.print(f"  {command}", soft_wrap=True)

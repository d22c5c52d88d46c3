"""`oncall-bot demo`: a scripted incident against the bundled Slack emulator, on loopback only."""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import create_app
from bot.emulator import SlackEmulator
from bot.keys import outbox_worker_key
from bot.settings import Settings

DEMO_DATABASE = Path("oncall-demo.db")


class Narrator:
    """Prints what each person would see, with Slack's markup turned into plain words."""

    def __init__(self, slack: SlackEmulator) -> None:
        self.slack = slack

    def plain(self, text: str) -> str:
        def user(match: re.Match[str]) -> str:
            found = self.slack.users.get(match.group(1))
            return "@" + (found.name if found else match.group(1))

        def channel(match: re.Match[str]) -> str:
            found = self.slack.channels.get(match.group(1))
            return "#" + (found.name if found else match.group(1))

        text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", user, text)
        text = re.sub(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", channel, text)
        text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def say(self, who: str, what: str) -> None:
        print(f"  {who:>6} › {what}")

    def reply(self, delivery_json: dict[str, Any] | None) -> None:
        text = (delivery_json or {}).get("text")
        if text:
            for line in self.plain(text).splitlines():
                print(f"         ↳ (only you) {line}")

    def channel(self, channel_id: str) -> None:
        channel = self.slack.channels[channel_id]
        print(f"\n#{channel.name}" + (f"  — topic: {self.plain(channel.topic)}" if channel.topic else ""))
        pinned = set(self.slack.pins(channel_id))
        for message in self.slack.messages(channel_id):
            author = self.slack.users.get(message.user)
            name = "oncall" if message.bot_id else (author.name if author else message.user)
            marks = ("📌 " if message.ts in pinned else "") + ("  ↳ " if message.thread_ts else "")
            body = self._blocks_text(message.blocks) if message.blocks else message.text
            edited = " (edited)" if message.edited else ""
            lines = self.plain(body).splitlines() or [""]
            print(f"  {marks}{name}: {lines[0]}{edited}")
            for line in lines[1:]:
                print(f"      {line}")

    @staticmethod
    def _blocks_text(blocks: list[dict[str, Any]]) -> str:
        parts: list[str] = []
        for block in blocks:
            if "text" in block and isinstance(block["text"], dict):
                parts.append(block["text"]["text"])
            for field in block.get("fields", []):
                parts.append(field["text"].replace("\n", ": ", 1))
            if block["type"] == "actions":
                parts.append(
                    "["
                    + "] [".join(e.get("placeholder", e.get("text", {})).get("text", "") for e in block["elements"])
                    + "]"
                )
        return "\n".join(parts)


async def _play(slack: SlackEmulator, app: web.Application, narrator: Narrator) -> Path | None:
    alice = slack.add_user("alice", real_name="Alice (SRE on call)")
    bob = slack.add_user("bob", real_name="Bob (payments)")
    carol = slack.add_user("carol", real_name="Carol (release manager)")
    general = slack.add_channel("general", creator=alice, members=[alice, bob, carol])
    incidents = slack.add_channel("incidents", creator=alice, members=[alice, bob, carol])
    worker = app[outbox_worker_key]

    async def settle() -> None:
        async with asyncio.timeout(30):
            for _ in range(3):
                await worker.wait_until_idle()
                await slack.drain()

    async def command(user: str, name: str, channel: str, text: str) -> None:
        narrator.say(name, f"/incident {text}")
        narrator.reply((await slack.slash_command(user=user, channel=channel, text=text)).json())
        await settle()

    print("== alice declares an incident from #general")
    await command(alice, "alice", general, "declare Checkout API returns 500s sev2")
    channel = next(c.id for c in slack.channels.values() if c.name.startswith("inc-1-"))

    print("== the responders talk in the incident channel")
    for user in (bob, carol):
        await slack.join_channel(user=user, channel=channel)
    first, _ = await slack.post_message(user=bob, channel=channel, text="Error rate on cart-service is 38% since 14:02")
    narrator.say("bob", "Error rate on cart-service is 38% since 14:02")
    deploy, _ = await slack.post_message(user=carol, channel=channel, text="Release v412 went out at 14:00")
    narrator.say("carol", "Release v412 went out at 14:00")
    await slack.post_message(user=alice, channel=channel, text="Only EU checkouts fail", thread_ts=first)
    narrator.say("alice", "(in thread) Only EU checkouts fail")
    await slack.edit_message(user=bob, channel=channel, ts=first, text="Error rate on cart-service is 41% since 14:02")
    narrator.say("bob", "(edits) …41% since 14:02")
    oops, _ = await slack.post_message(user=carol, channel=channel, text="lunch at 1?")
    await slack.delete_message(user=carol, channel=channel, ts=oops)
    narrator.say("carol", "(posts and deletes) lunch at 1?")
    await slack.add_reaction(user=alice, channel=channel, ts=deploy, name="pushpin")
    narrator.say("alice", "(reacts 📌 to the release message)")

    print("== the incident runs its course")
    await command(alice, "alice", channel, f"assign commander <@{bob}>")
    await command(bob, "bob", channel, "status identified Release v412 broke EU tax lookup")
    await command(bob, "bob", channel, "note Rolling back to v411")
    await command(bob, "bob", channel, "impact 40% of EU checkouts failed for 25 minutes")
    await command(bob, "bob", channel, "status monitoring Rollback complete, error rate 0.1%")
    await command(bob, "bob", channel, "resolve Error rate normal for 15 minutes")
    await command(alice, "alice", channel, "timeline")

    print("== the team writes the postmortem")
    await command(bob, "bob", channel, "note Root cause: v412 called the EU tax service with a renamed field")
    await command(
        alice, "alice", channel, f"followup add Add a canary stage for EU checkouts <@{carol}> due:2026-12-04"
    )
    canary, _ = await slack.post_message(user=carol, channel=channel, text="Alert on tax lookup errors per region")
    narrator.say("carol", "Alert on tax lookup errors per region")
    await slack.add_reaction(user=bob, channel=channel, ts=canary, name="white_check_mark")
    narrator.say("bob", "(reacts ✅: the message becomes a follow-up)")
    await settle()
    await command(bob, "bob", channel, "postmortem")

    print("\n== what each channel shows now")
    narrator.channel(incidents)
    narrator.channel(channel)
    return _save_postmortem(slack, channel)


def _save_postmortem(slack: SlackEmulator, channel: str) -> Path | None:
    """The postmortem file exactly as it was uploaded to the incident channel."""
    uploads = [file for file in slack.files.values() if channel in file.channels and file.name.endswith(".md")]
    if not uploads:
        return None
    path = Path(uploads[-1].name).resolve()
    path.write_bytes(uploads[-1].content)
    return path


def prepare_database(path: Path = DEMO_DATABASE) -> Path:
    """A fresh SQLite file for each demo run (before the event loop starts: it touches the disk)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return path.resolve()


async def run_demo(database: Path, *, serve_for: float | None = None, port: int = 0) -> int:
    """Start the emulator and the bot on loopback, play the script, print what users see.

    With `serve_for` the bot keeps serving its web pages afterwards (seconds; 0 means until Ctrl-C).
    """
    secret = secrets.token_hex(16)
    slack = SlackEmulator(signing_secret=secret)
    await slack.start()
    # Bound first, so the pages' address (Sign in with Slack's redirect URL) is known before the bot starts.
    listening = socket.create_server(("127.0.0.1", port))
    base_url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    settings = Settings(
        _env_file=None,
        slack_bot_token=slack.bot_token,
        slack_signing_secret=secret,
        slack_api_url=slack.api_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        announce_channel="#incidents",
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,
        web_base_url=base_url,
        host="127.0.0.1",
        port=port,
    )
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.SockSite(runner, listening)
    await site.start()
    slack.bot_endpoint = f"{base_url}/slack/events"
    print(f"oncall-bot demo: Slack emulator at {slack.api_url}, bot at {base_url}\n")
    try:
        postmortem = await _play(slack, app, Narrator(slack))
        if serve_for is not None:
            print(f"\nWeb pages: {base_url}/auth/slack")
            until = " until Ctrl-C)" if not serve_for else ")"
            print("(Sign in with Slack: the emulated Slack signs you in as alice; the demo keeps serving" + until)
            await asyncio.sleep(serve_for or float("inf"))
    finally:
        await runner.cleanup()
        await slack.stop()
    print(f"\nThe demo's database (SQLite) is at {database}")
    if postmortem is None:
        print("The postmortem was not uploaded: see the log above.")
        return 1
    print(f"The postmortem uploaded to the incident channel is at {postmortem}")
    return 0

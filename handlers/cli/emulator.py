"""`oncall-bot emulator`: the bundled Slack emulator on its own, to try `serve` without a Slack workspace.

The emulator plays Slack for a bot started with the settings it prints. `oncall-bot emulator say …`
types a slash command or a message into it (delivered to the bot signed, or over Socket Mode when the
bot connected with an app token) and prints what the bot answered and posted; `oncall-bot emulator
channels` prints every channel with its messages.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import sys
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bot.errors import SettingsError
from bot.slack.scopes import REQUIRED_SCOPES
from handlers.cli.demo.markup import Names, plain

if TYPE_CHECKING:
    from slack_emulator import SlackEmulator
    from slack_emulator.state import Message

DEFAULT_PORT = 8090
# Fixed, so the commands in the README work as written; the emulator only listens on 127.0.0.1.
BOT_TOKEN = "xoxb-local-emulator"
APP_TOKEN = "xapp-local-emulator"
SIGNING_SECRET = "local-emulator-signing-secret"
WEBHOOK_TOKEN = "local-webhook-token"
DATABASE_URL = "sqlite+aiosqlite:///./oncall-local.db"
PEOPLE = ("alice", "bob", "carol")
CHANNELS = ("general", "incidents", "alerts")
QUIET_SECONDS, SAY_WITHIN = 1.0, 20.0


def bot_url(port: int) -> str:
    """Where a bot started with PORT=`port` takes Slack's requests."""
    return f"http://127.0.0.1:{port}/slack/events"


def environment(port: int) -> dict[str, str]:
    """What `serve` needs to talk to the emulator on `port` over HTTP (and to take webhooks)."""
    return {
        "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "DATABASE_URL": DATABASE_URL,
    }


def _instructions(port: int, delivers_to: str) -> str:
    env = " \\\n    ".join(f"{name}={value}" for name, value in environment(port).items())
    where = "" if port == DEFAULT_PORT else f" --port {port}"
    return (
        f"Slack emulator on http://127.0.0.1:{port}/ with #{', #'.join(CHANNELS)} and {', '.join(PEOPLE)};"
        f" it delivers to {delivers_to}\n"
        "Start the bot against it in another terminal (HTTP mode):\n"
        f"  {env} \\\n    oncall-bot serve\n"
        f"or in Socket Mode: add SLACK_APP_TOKEN={APP_TOKEN} (no signing secret needed).\n"
        "Then act as alice:\n"
        f'  oncall-bot emulator{where} say "/incident declare DB down"\n'
        f"  oncall-bot emulator{where} channels\n"
        f"Alert webhooks go to the bot with: Authorization: Bearer {WEBHOOK_TOKEN}\n"
        "Ctrl-C stops the emulator; it keeps nothing."
    )


class LocalSlack:
    """The emulator with a workspace to act in and the two endpoints `say` and `channels` call."""

    def __init__(self, delivers_to: str) -> None:
        from slack_emulator import SlackEmulator

        self.bot_url = delivers_to
        self.slack: SlackEmulator = SlackEmulator(
            scopes=REQUIRED_SCOPES, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, app_token=APP_TOKEN
        )
        # Slack's markup as a terminal shows it, with the demo's renderer: names for ids, emoji as characters.
        self.names = Names(user=self._user_name, channel=self._channel_name)
        people = [self.slack.add_user(name) for name in PEOPLE]
        for channel in CHANNELS:
            self.slack.add_channel(channel, creator=people[0], members=people)

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/local/say", self._handle_say), web.get("/local/channels", self._handle_channels)]

    def _user(self, name: str) -> str:
        found = next((user.id for user in self.slack.users.values() if user.name == name), None)
        return found or self.slack.add_user(name)

    async def _handle_say(self, request: web.Request) -> web.Response:
        form = await request.post()
        text, who, name = str(form.get("text", "")), str(form.get("user", "alice")), str(form.get("channel", "general"))
        user = self._user(who)
        channel = self.slack.channel_by_name(name.lstrip("#"))
        if channel is None:
            known = ", ".join(f"#{c.name}" for c in self.slack.channels.values())
            return web.Response(status=404, text=f"no channel #{name.lstrip('#')}: the channels are {known}\n")
        # HTTP to `serve` unless the bot dialled in over Socket Mode.
        self.slack.bot_endpoint = None if self.slack.socket_mode.is_connected else self.bot_url
        seen = {(c.id, m.ts) for c in self.slack.channels.values() for m in self.slack.messages(c.id)}
        replies_before = len(self.slack.response_url_posts)
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            delivery = await self.slack.slash_command(user=user, channel=channel.id, text=rest, command=command)
        else:
            _, sent = await self.slack.post_message(user=user, channel=channel.id, text=text)
            assert sent is not None
            delivery = sent
        if delivery.status != 200:
            how = "over Socket Mode" if self.slack.bot_endpoint is None else f"at {self.bot_url}"
            return web.Response(
                status=502,
                text=f"the bot did not answer {how} ({delivery.status or delivery.text}): is `oncall-bot serve`"
                " running with the settings `oncall-bot emulator` printed?\n",
            )
        await self._quiet()
        lines = [f"@{who} in #{channel.name}: {text}"]
        answers = [delivery.json() or {}] if text.startswith("/") else []
        answers += self.slack.response_url_posts[replies_before:]
        lines += [f"  (only you) {self._plain(str(answer['text']))}" for answer in answers if answer.get("text")]
        for each in self.slack.channels.values():
            for message in self.slack.messages(each.id):
                if (each.id, message.ts) not in seen:
                    lines.append(f"  #{each.name}  {self._line(message)}")
        return web.Response(text="\n".join(lines) + "\n")

    async def _quiet(self) -> None:
        """Wait until the bot has stopped calling Slack for a moment: its outbox works after the answer."""
        loop = asyncio.get_running_loop()
        deadline, calls, since = loop.time() + SAY_WITHIN, -1, loop.time()
        while loop.time() < deadline:
            await self.slack.drain()
            if len(self.slack.calls) != calls:
                calls, since = len(self.slack.calls), loop.time()
            elif loop.time() - since >= QUIET_SECONDS:
                return
            await asyncio.sleep(0.1)

    async def _handle_channels(self, request: web.Request) -> web.Response:
        await self._quiet()  # what a webhook just caused is still on its way
        lines = []
        for channel in self.slack.channels.values():
            topic = f"  — {self._plain(channel.topic)}" if channel.topic else ""
            lines.append(f"#{channel.name}{topic}")
            lines += [f"  {self._line(message)}" for message in self.slack.messages(channel.id)]
        return web.Response(text="\n".join(lines) + "\n")

    def _line(self, message: Message) -> str:
        author = self.slack.users.get(message.user)
        name = author.name if author else message.user
        text = message.text or next((b["text"]["text"] for b in message.blocks if isinstance(b.get("text"), dict)), "")
        thread = "↳ " if message.thread_ts and message.thread_ts != message.ts else ""
        return f"{thread}{name}: {self._plain(text)}".replace("\n", "\n    ")

    def _user_name(self, user_id: str) -> str | None:
        user = self.slack.users.get(user_id)
        return user.name if user else None

    def _channel_name(self, channel_id: str) -> str | None:
        channel = self.slack.channels.get(channel_id)
        return channel.name if channel else None

    def _plain(self, text: str) -> str:
        return plain(text, self.names)


async def _serve(port: int, delivers_to: str) -> None:
    local = LocalSlack(delivers_to)
    try:
        await local.slack.start(port=port, routes=local.routes())
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SettingsError(f"port {port} on 127.0.0.1 is in use: pass --port") from None
        raise
    print(_instructions(port, delivers_to), flush=True)
    stop = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
    try:
        await stop.wait()
    finally:
        await local.slack.stop()


def run(port: int, *, delivers_to: str) -> int:
    asyncio.run(_serve(port, delivers_to))
    return 0


def _ask(port: int, path: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    try:
        with urllib.request.urlopen(request, timeout=SAY_WITHIN + 10) as response:
            sys.stdout.write(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(f"oncall-bot: {exc.read().decode().strip()}", file=sys.stderr)
        return 1
    except urllib.error.URLError:
        raise SettingsError(
            f"no emulator on 127.0.0.1:{port}: start it with `oncall-bot emulator` in another terminal"
        ) from None


def say(port: int, text: str, *, user: str, channel: str) -> int:
    form = f"text={quote(text)}&user={quote(user)}&channel={quote(channel)}"
    return _ask(port, "/local/say", form.encode())


def channels(port: int) -> int:
    return _ask(port, "/local/channels")

"""The stage the story plays on: the emulated people act, the bot answers, the simulated clock moves.

Every action goes through the bot's real interfaces (signed slash commands and events from the
emulator, the Alertmanager webhook over HTTP); what the scheduler would do as the minutes pass —
SLO evaluations, reminder ticks — is run at the moments it would have run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.text import Text

from bot.clock import SimulatedClock
from bot.keys import database_key, outbox_worker_key, scheduler_key, slo_evaluator_key
from bot.outbox.operations import backlog
from bot.slo.presentation import slo_list_line
from bot.slo.report import SloReport
from handlers.cli.demo.markup import Names, render
from slack_emulator import SlackEmulator

SETTLE_SECONDS = 60.0
# The SLO job's period (`slo.evaluate_every`); after half an hour of them a quiet night is stepped through coarser.
EVALUATE_EVERY = timedelta(minutes=5)
FINE_FOR, COARSE_EVERY = timedelta(minutes=30), timedelta(hours=3)
POLL_SECONDS = 0.03


class Stage:
    def __init__(
        self,
        slack: SlackEmulator,
        app: web.Application,
        *,
        clock: SimulatedClock,
        bot_url: str,
        webhook_token: str,
        console: Console,
    ) -> None:
        self.slack, self.app, self.clock, self.console = slack, app, clock, console
        self._bot_url, self._webhook_token = bot_url, webhook_token
        self.names = Names(user=self.user_name, channel=self.channel_name)
        self._last_evaluations: dict[str, tuple[str, bool]] = {}

    # --- who and where ----------------------------------------------------------------------------
    def user_name(self, user_id: str) -> str | None:
        user = self.slack.users.get(user_id)
        return user.name if user else None

    def channel_name(self, channel_id: str) -> str | None:
        channel = self.slack.channels.get(channel_id)
        return channel.name if channel else None

    def channel(self, name: str) -> str:
        found = self.slack.channel_by_name(name)
        if found is None:
            raise LookupError(f"the story expected a channel #{name}")
        return found.id

    def incident_channel(self, number: int) -> str:
        return next(c.id for c in self.slack.channels.values() if c.name.startswith(f"inc-{number}-"))

    # --- telling ----------------------------------------------------------------------------------
    def step(self, text: str) -> None:
        """One progress line: the story's time, then what happens."""
        line = Text(self.clock.now().strftime("%a %H:%M  "), style="cyan")
        line.append_text(render(text, self.names))
        self.console.print(line)

    def aside(self, text: str) -> None:
        self.console.print(Text("            ").append_text(render(text, self.names, style="dim")))

    # --- time ---------------------------------------------------------------------------------------
    async def at(self, moment: datetime) -> None:
        """Move the clock to `moment`, running on the way the SLO evaluations and reminder ticks due."""
        for mark in _marks(self.clock.now(), moment):
            self.clock.advance_to(mark)
            self._evaluated(await self.evaluate())
            await self.tick()
        if self.clock.now() < moment:
            self.clock.advance_to(moment)
            await self.tick()  # the scheduler ticks every minute: whatever falls due at `moment` goes now

    def _evaluated(self, reports: list[SloReport]) -> None:
        """A line when an evaluation finds something new: budget spent, a fast burn starting or ending."""
        for report in reports:
            found = (slo_list_line(report), report.fast_burn)
            before = self._last_evaluations.get(report.name)
            if found == before:
                continue
            self._last_evaluations[report.name] = found
            ended = before is not None and before[1] and not report.fast_burn
            burn = " · :fire: fast burn" if report.fast_burn else " · the fast burn is over" if ended else ""
            self.step(f"scheduler · SLO evaluated: {found[0]}{burn}")

    async def evaluate(self, at: datetime | None = None) -> list[SloReport]:
        """What the scheduler's SLO job does every `slo.evaluate_every`: measure, store, raise burn alerts."""
        reports = await self.app[slo_evaluator_key].evaluate_and_store(at=at or self.clock.now())
        await self.settle()
        return reports

    async def tick(self) -> None:
        """What the scheduler's reminder job does every `reminders.check_every`."""
        await self.app[scheduler_key].tick(self.clock.now())
        await self.settle()

    async def settle(self) -> None:
        """Let the bot finish what the last action caused; an entry waiting for its moment gets it at once."""
        database, worker = self.app[database_key], self.app[outbox_worker_key]
        async with _stuck_after(SETTLE_SECONDS):
            while True:
                await self.slack.drain()
                pending, due = await backlog(database, self.clock.now())
                if not pending:
                    return
                if due is not None and due > self.clock.now():
                    # a debounced redraw or a paced post: its second comes now, not after a real wait
                    self.clock.advance_to(due)
                    worker.wake()
                await asyncio.sleep(POLL_SECONDS)

    # --- people -------------------------------------------------------------------------------------
    async def command(self, user: str, channel: str, text: str, *, command: str = "/incident") -> str:
        """A slash command; returns the reply only its sender sees."""
        delivery = await self.slack.slash_command(user=user, channel=channel, text=text, command=command)
        await self.settle()
        reply = str((delivery.json() or {}).get("text") or "")
        if reply:
            self.aside(f"{command} {text}  →  only {self.user_name(user)} sees: {reply.splitlines()[0]}")
        return reply

    async def scene(self, moment: datetime, channel: str, summary: str, *commands: tuple[str, str]) -> None:
        """At `moment`, people type `/incident` commands in `channel`; then the progress line."""
        await self.at(moment)
        for user, text in commands:
            await self.command(user, channel, text)
        self.step(summary)

    async def say(self, user: str, channel: str, text: str, *, thread: str | None = None) -> str:
        ts, _ = await self.slack.post_message(user=user, channel=channel, text=text, thread_ts=thread)
        await self.settle()
        return ts

    async def edit(self, user: str, channel: str, ts: str, text: str) -> None:
        await self.slack.edit_message(user=user, channel=channel, ts=ts, text=text)
        await self.settle()

    async def delete(self, user: str, channel: str, ts: str) -> None:
        await self.slack.delete_message(user=user, channel=channel, ts=ts)
        await self.settle()

    async def react(self, user: str, channel: str, ts: str, emoji: str) -> None:
        await self.slack.add_reaction(user=user, channel=channel, ts=ts, name=emoji)
        await self.settle()

    async def join(self, user: str, channel: str) -> None:
        await self.slack.join_channel(user=user, channel=channel)
        await self.settle()

    # --- monitoring -----------------------------------------------------------------------------------
    async def alertmanager(self, notification: dict[str, Any]) -> int:
        """POST a notification to the bot's webhook, as Alertmanager's `webhook_configs` does."""
        headers = {"Authorization": f"Bearer {self._webhook_token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self._bot_url}/webhooks/alertmanager", json=notification, headers=headers) as response,
        ):
            status = response.status
        await self.settle()
        return status


class StoryStuck(Exception):
    """The bot did not finish what a step of the story asked of it."""


@contextlib.asynccontextmanager
async def _stuck_after(seconds: float) -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise StoryStuck(f"the bot still had Slack calls to make after {seconds:g} s") from None


def _marks(now: datetime, moment: datetime) -> list[datetime]:
    """The moments in (now, moment] the SLO job runs at: every 5 minutes for half an hour, then every 3 hours."""
    marks: list[datetime] = []
    for every, until in ((EVALUATE_EVERY, min(moment, now + FINE_FOR)), (COARSE_EVERY, moment)):
        seconds = every.total_seconds()
        begin = marks[-1] if marks else now
        mark = datetime.fromtimestamp((begin.timestamp() // seconds + 1) * seconds, now.tzinfo)
        while mark <= until:
            marks.append(mark)
            mark += every
    return marks

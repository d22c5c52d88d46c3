"""The bot is killed in the middle of a stream of alerts and commands and restarted on the same database:
every request it answered 2xx shows in Slack exactly once, and nothing shows twice."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import Message, SlackEmulator
from storage.engine import Database
from storage.queries import outbox as outbox_queries
from storage.tables import AlertGroup, Incident, OutboxEntry
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.bot_process import BotProcess, free_port, serve_environment
from tests.e2e.conftest import SIGNING_SECRET, WEBHOOK_TOKEN
from tests.helpers import eventually

# Every alert group of the stream opens its own incident: no storm grouping.
CONFIG = "storm:\n  max_new_incidents_per_minute: 1000\n"
KILL_AFTER_ACCEPTED = 12
ACCEPTED_AFTER_RESTART = 12
PACE_SECONDS = 0.02  # how fast requests are sent, not a wait for anything
# While requests fail the senders keep trying, but slower (as Alertmanager backs off): what is refused only
# needs to be some requests of every kind, and each refused alert is resent and opens an incident whose
# announcement waits its turn in one paced channel. At full pace a 3 s restart alone meant 40 more incidents.
PACE_WHILE_DOWN_SECONDS = 0.2
KINDS = ("alert", "declare", "note", "note")


@dataclass
class Sent:
    """One request of the stream and what the bot answered (0: the connection failed)."""

    kind: str
    key: str  # the declared title, the alert name, or the note's text
    channel: str | None
    status: int
    after_restart: bool

    @property
    def is_accepted(self) -> bool:
        return 200 <= self.status < 300


class Stream:
    """Alertmanager and people in Slack, sending concurrently at a steady pace whatever the bot's state."""

    def __init__(self, bot: BotProcess, slack: SlackEmulator, http: aiohttp.ClientSession, notes_in: list[str]):
        self.bot, self.slack, self.http, self.notes_in = bot, slack, http, notes_in
        self.alice, self.general = _alice(slack), _channel_id(slack, "general")
        self.sent: list[Sent] = []
        self.is_restarted = False
        self.is_refused = False  # the last answer was no answer

    def accepted(self, *, after_restart: bool = False) -> int:
        return sum(1 for sent in self.sent if sent.is_accepted and sent.after_restart >= after_restart)

    async def run(self, until: Callable[[], bool]) -> None:
        tasks: list[asyncio.Task[None]] = []
        for number in itertools.count():
            if until():
                break
            tasks.append(asyncio.create_task(self._send(number)))
            await asyncio.sleep(PACE_WHILE_DOWN_SECONDS if self.is_refused else PACE_SECONDS)
        await asyncio.gather(*tasks)

    async def alert(self, name: str) -> int:
        body = json.dumps(am_group([am_alert(name)])).encode()
        headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}
        try:
            async with self.http.post(self.bot.url("/webhooks/alertmanager"), data=body, headers=headers) as response:
                await response.read()
                return response.status
        except aiohttp.ClientError:
            return 0

    async def resend_failed_alerts(self) -> None:
        """What Alertmanager does with a notification that got no 2xx; Slack never resends slash commands."""
        for sent in self.sent:
            if sent.kind == "alert" and not sent.is_accepted:

                async def delivered(sent: Sent = sent) -> bool:
                    sent.status = await self.alert(sent.key)
                    return sent.is_accepted

                await eventually(delivered, within=10)

    async def _send(self, number: int) -> None:
        kind, after_restart = KINDS[number % len(KINDS)], self.is_restarted
        channel: str | None = None
        if kind == "alert":
            key = f"CrashAlert{number}"
            status = await self.alert(key)
        elif kind == "declare":
            key = f"Declared in the stream {number}"
            delivery = await self.slack.slash_command(user=self.alice, channel=self.general, text=f"declare {key} sev2")
            status = delivery.status
            assert status != 200 or "declared" in delivery.text, delivery.text
        else:
            key, channel = f"stream note {number}", self.notes_in[number % len(self.notes_in)]
            delivery = await self.slack.slash_command(user=self.alice, channel=channel, text=f"note {key}")
            status = delivery.status
            assert status != 200 or "Note added" in delivery.text, delivery.text
        self.sent.append(Sent(kind, key, channel, status, after_restart))
        self.is_refused = status == 0


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    # Rate limits are proven elsewhere; here they would only stretch the wait for dozens of channels.
    emulator = SlackEmulator(scopes=REQUIRED_SCOPES, signing_secret=SIGNING_SECRET, rate_limits=False)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def reader(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def bot(database_url: str, slack: SlackEmulator, tmp_path: Path) -> BotProcess:
    alice = slack.add_user("alice")
    slack.add_channel("general", creator=alice, members=[alice])
    slack.add_channel("incidents", creator=alice, members=[alice])
    config = tmp_path / "oncall.yml"
    config.write_text(CONFIG)
    env = serve_environment(database_url=database_url, port=free_port(), slack=slack, config=config)
    process = BotProcess("bot", env, tmp_path)
    slack.bot_endpoint = process.url("/slack/events")
    return process


async def _settled(slack: SlackEmulator, database: Database) -> bool:
    """Nothing is waiting in the outbox once every echo Slack sent back has been answered."""
    await slack.drain()
    async with database.transaction() as session:
        waiting = [entry for entry in await outbox_queries.list_entries(session) if entry.state == "pending"]
    assert not waiting, [(e.id, e.kind, e.attempts, e.lease_owner, e.last_error) for e in waiting]
    return True


async def _rows(database: Database, table: Any) -> list[Any]:
    async with database.transaction() as session:
        return list((await session.exec(select(table))).all())


def _alice(slack: SlackEmulator) -> str:
    return next(user.id for user in slack.users.values() if user.name == "alice")


def _channel_id(slack: SlackEmulator, name: str) -> str:
    return next(channel.id for channel in slack.channels.values() if channel.name == name)


def _incident_channels(slack: SlackEmulator) -> list[str]:
    return [channel.id for channel in slack.channels.values() if channel.name.startswith("inc-")]


def _check_shown_once(shown: dict[str, list[Message]], *, may_be_missing: set[str]) -> None:
    """Each thing is shown once: none missing (unless its request was refused), none doubled across the kill."""
    missing = [what for what, messages in shown.items() if not messages and what not in may_be_missing]
    doubled = {what: [m.ts for m in messages] for what, messages in shown.items() if len(messages) > 1}
    assert not missing and not doubled, {"missing": missing, "doubled": doubled}


async def test_bot_killed_mid_stream_and_restarted_shows_every_accepted_request_once(
    bot: BotProcess, reader: Database, slack: SlackEmulator
) -> None:
    alice, general = _alice(slack), _channel_id(slack, "general")
    try:
        await bot.start()
        await bot.wait_ready()
        for number in (1, 2, 3):
            await slack.slash_command(user=alice, channel=general, text=f"declare Before the stream {number} sev2")
        await eventually(lambda: len(_incident_channels(slack)) == 3, within=20)

        async with aiohttp.ClientSession() as http:
            stream = Stream(bot, slack, http, notes_in=_incident_channels(slack))
            sending = asyncio.create_task(
                stream.run(until=lambda: stream.accepted(after_restart=True) >= ACCEPTED_AFTER_RESTART)
            )
            await eventually(lambda: stream.accepted() >= KILL_AFTER_ACCEPTED, within=30)
            await bot.kill()
            await bot.start()
            # The stream keeps coming while the new process starts and takes over the dead one's work;
            # on a loaded machine (the whole suite on two cores) that has taken longer than 30 s.
            await bot.wait_ready(within=90)
            stream.is_restarted = True
            await asyncio.wait_for(sending, timeout=60)
            await stream.resend_failed_alerts()
        # Inside the two-minute lease: what the killed process was doing is taken over at once. The
        # announcements share one channel, which the bot paces at about one post a second, and a slow
        # restart (a loaded machine) means more alerts were resent and more incidents opened.
        opened = len(await _rows(reader, Incident))
        await eventually(lambda: _settled(slack, reader), within=max(90.0, 30 + 1.5 * opened), interval=0.2)
        assert await _settled(slack, reader)
    finally:
        await bot.stop()

    assert any(not sent.is_accepted for sent in stream.sent), "the kill should have made some requests fail"
    assert {entry.state for entry in await _rows(reader, OutboxEntry)} == {"done"}
    incidents = {incident.id: incident for incident in await _rows(reader, Incident)}
    titles = Counter(incident.title for incident in incidents.values())
    # One incident per accepted declare; a declare whose answer was lost in the kill may have happened.
    for sent in (sent for sent in stream.sent if sent.kind == "declare"):
        assert titles[sent.key] == 1 if sent.is_accepted else titles[sent.key] <= 1, sent
    # One incident per alert group: every group was delivered in the end.
    groups = await _rows(reader, AlertGroup)
    assert len(groups) == len([sent for sent in stream.sent if sent.kind == "alert"])
    assert len({group.incident_id for group in groups} - {None}) == len(groups)
    # One channel per incident, and no channel that no incident knows of.
    channels = {incident.channel_id for incident in incidents.values()}
    assert None not in channels and len(channels) == len(incidents)
    assert set(_incident_channels(slack)) == channels

    announced = slack.messages(_channel_id(slack, "incidents"))
    shown: dict[str, list[Message]] = {}
    for incident in incidents.values():
        assert incident.channel_id is not None
        ref, messages = f"INC-{incident.id}", slack.messages(incident.channel_id)
        summaries = [m for m in messages if m.bot_id and m.blocks and m.blocks[0].get("type") == "header"]
        assert slack.pins(incident.channel_id) == [incident.summary_ts], f"{ref}: its summary, pinned once"
        assert incident.summary_ts in [m.ts for m in summaries]
        shown[f"{ref} summary"] = summaries
        shown[f"{ref} announcement"] = [m for m in announced if f"*{ref}*" in m.text]
        if incident.origin == "alertmanager":
            shown[f"{ref} alert list"] = [m for m in messages if m.text.startswith(f"Alerts of {ref}:")]
    notes = [sent for sent in stream.sent if sent.kind == "note"]
    for sent in notes:
        assert sent.channel is not None
        shown[repr(sent.key)] = [m for m in slack.messages(sent.channel) if m.text.endswith(f": {sent.key}")]
    refused = {repr(sent.key) for sent in notes if not sent.is_accepted}
    _check_shown_once(shown, may_be_missing=refused)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_note_slack_posted_as_the_bot_was_killed_is_posted_once_after_the_restart(
    bot: BotProcess, reader: Database, slack: SlackEmulator
) -> None:
    alice, general = _alice(slack), _channel_id(slack, "general")
    try:
        await bot.start()
        await bot.wait_ready()
        await slack.slash_command(user=alice, channel=general, text="declare Lost in the crash sev2")
        await eventually(lambda: _settled(slack, reader) if _incident_channels(slack) else False, within=20)
        [channel] = _incident_channels(slack)
        # Slack posts the note, then its answer is slow: the bot is killed before it records the post.
        slack.delay("chat.postMessage", seconds=5, after_commit=True)
        await slack.slash_command(user=alice, channel=channel, text="note written just before the crash")
        await eventually(lambda: any(m.text.endswith("before the crash") for m in slack.messages(channel)))
        await bot.kill()
        await bot.start()
        await bot.wait_ready()
        # Well inside the two-minute lease: the restarted bot takes the interrupted entry over at once.
        await eventually(lambda: _settled(slack, reader), within=20, interval=0.2)
    finally:
        await bot.stop()
    [entry] = [entry for entry in await _rows(reader, OutboxEntry) if "before the crash" in str(entry.payload)]
    assert (entry.state, entry.attempts) == ("done", 2)  # the interrupted attempt counts
    notes = [m for m in slack.messages(channel) if m.text.endswith("written just before the crash")]
    _check_shown_once({"the note": notes}, may_be_missing=set())

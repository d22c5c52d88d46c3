"""Benchmark "Timeline capture": people's messages in an incident channel, as signed Events API deliveries.

An incident is declared first, so its channel is an incident channel. Every `message` event_callback
then has an event_id and a ts of its own (a new message, not a retry), so each one the bot acks must
become one timeline entry: after the rounds, the `timeline_entries` rows are counted against the
distinct events acknowledged. Bare bolt acks the same kind of envelopes, and stores nothing.
"""

from __future__ import annotations

from pathlib import Path

from bench import databases, slack_acks
from bench.bot_process import SIGNING_SECRET, RunningBot, running_bot
from bench.report import Row
from bench.slack_acks import Rounds
from bench.slack_requests import MessageEvents, Signed
from bench.webhooks import Say

NAME = "Timeline capture (`message` events)"
# The goal: "≥ 0.6 of bare bolt acking them".
TARGET = 0.6
# Enough new messages for one round's warm-up and window at well over the bot's pace, so none is
# sent twice; bare bolt gets its own, sent round and round (it stores nothing, so repeats cost it the same).
EVENTS_PER_ROUND, BASELINE_EVENTS = 25_000, 4_000


async def run(workdir: Path, say: Say) -> list[Row]:
    async def measure(backend: databases.Backend) -> Row:
        assert backend.url is not None
        return await _measure(workdir / backend.name.lower(), backend.name, backend.url, say)

    return await databases.row_each(workdir, NAME, say, measure)


async def _measure(workdir: Path, database: str, url: str, say: Say) -> Row:
    async with running_bot(workdir, url) as running, slack_acks.bare_bolt(workdir, running) as bare:
        people = await running.workspace()
        authors = [people.users[name] for name in ("alice", "bob", "carol", "dave")]
        channel = await _declare(running, authors[0], people.channels["incidents"])
        events = MessageEvents(SIGNING_SECRET, channel_id=channel, users=authors, bot_user_id=people.bot_user_id)
        baseline_events = MessageEvents(SIGNING_SECRET, channel_id=channel, users=authors, bot_user_id="U0BARE")

        def bot_requests() -> Signed:
            return events.next(EVENTS_PER_ROUND)

        def baseline_requests() -> Signed:
            return baseline_events.next(BASELINE_EVENTS)

        rounds = await slack_acks.measure(
            bare, running.bot, baseline_requests=baseline_requests, bot_requests=bot_requests
        )
        # Counted while the bot still runs: each 200 it sent promised the message was already stored.
        async with databases.reader(url) as read:
            stored = await read("SELECT count(*) FROM timeline_entries WHERE kind = 'message'")
        acknowledged = sum(len(result.accepted) for result in rounds.bot)
        say(f"bot on {database}: {rounds.summary()}, stored {stored}/{acknowledged}")
        row = _row(database, rounds, running, stored=stored, acknowledged=acknowledged)
        return await slack_acks.explain(
            row, workdir, bare, running.bot, baseline_requests=baseline_requests, bot_requests=bot_requests
        )


def _row(database: str, rounds: Rounds, running: RunningBot, *, stored: int, acknowledged: int) -> Row:
    errors = running.error_log_lines()
    notes = [f"stored {stored}/{acknowledged} acknowledged messages"]
    resent = sum(max(0, result.sent - EVENTS_PER_ROUND) for result in rounds.bot)
    if resent:
        notes.append(f"{resent} events were sent twice (a round outran its {EVENTS_PER_ROUND:,} new messages)")
    if errors:
        notes.append(f"bot logged {errors} error lines")
    notes.append(f"bot RSS {running.bot.rss_mib():.0f} MiB")
    return slack_acks.row(
        NAME, database, rounds, target=TARGET, checks_passed=stored == acknowledged and not errors, notes=notes
    )


async def _declare(running: RunningBot, user: str, channel: str) -> str:
    """Declare the incident the messages are posted in; the id of the channel the bot made for it."""
    await slack_acks.declare(running, ["Checkout is down sev2"], user=user, channel=channel)
    [incident_channel] = [id_ for name, id_ in (await running.workspace()).channels.items() if name.startswith("inc-")]
    return incident_channel

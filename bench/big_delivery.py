"""Benchmark "Slash command ack during the largest delivery": Slack's 3 s while 5,000 alerts are stored.

A few people run `/incident help` one after another (closed loop, `SENDERS` at a time), first while
the bot is idle (the baseline: the same bot, the same commands, nothing else to do), then while the
largest delivery a webhook accepts (`webhooks.max_alerts_per_delivery` alerts, every one its own
group) is being stored. Each command claims its trigger id in a write transaction, so on SQLite it
waits for the delivery's chunk in progress: the goal is Slack's own, every ack within 3 s.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from bench import databases
from bench.bot_process import SIGNING_SECRET, WEBHOOK_TOKEN, RunningBot, running_bot
from bench.load import LoadResult
from bench.payloads import largest_delivery
from bench.report import Row
from bench.slack_acks import PATH
from bench.slack_requests import slash_commands
from bench.webhooks import Say
from bot.config.alerts import DEFAULT_MAX_ALERTS_PER_DELIVERY

NAME = f"Slash command ack during the largest delivery ({DEFAULT_MAX_ALERTS_PER_DELIVERY:,} alerts)"
ACK_SECONDS = 3.0  # Slack's: https://api.slack.com/interactivity/slash-commands#responding_basic_receipt
SENDERS, IDLE_SECONDS = 4, 4.0
DELIVERY_TIMEOUT_SECONDS = 600.0


async def run(workdir: Path, say: Say) -> list[Row]:
    body = largest_delivery(DEFAULT_MAX_ALERTS_PER_DELIVERY)
    say(f"one generic delivery of {DEFAULT_MAX_ALERTS_PER_DELIVERY:,} alerts, {len(body) // 1024} KiB")

    async def measure(backend: databases.Backend) -> Row:
        assert backend.url is not None
        async with running_bot(workdir / backend.name.lower(), backend.url) as running:
            return await _measure(running, backend.name, body, say)

    return await databases.row_each(workdir, NAME, say, measure)


async def _measure(running: RunningBot, database: str, body: bytes, say: Say) -> Row:
    people = await running.workspace()
    users, channel = [people.users[name] for name in ("alice", "bob", "carol")], people.channels["incidents"]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_SECONDS)) as session:

        async def commands(until: asyncio.Future[tuple[int, float]] | None) -> LoadResult:
            """`/incident help` from SENDERS people in turn until `until` is done (or for IDLE_SECONDS)."""
            result = LoadResult()
            started = time.monotonic()

            def going() -> bool:
                return not until.done() if until is not None else time.monotonic() - started < IDLE_SECONDS

            async def sender() -> None:
                while going():
                    signed = slash_commands(
                        SIGNING_SECRET, command="/incident", text="help", channel_id=channel, users=users
                    )
                    sent = time.monotonic()
                    try:
                        async with session.post(
                            running.bot.url + PATH, data=signed.bodies[0], headers=signed.headers[0]
                        ) as answer:
                            await answer.read()
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        result.errors[type(exc).__name__] += 1
                        continue
                    result.statuses[answer.status] += 1
                    result.latencies_ms.append((time.monotonic() - sent) * 1000)

            await asyncio.gather(*(sender() for _ in range(SENDERS)))
            result.seconds = time.monotonic() - started
            return result

        idle = await commands(None)
        headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}
        sent = time.monotonic()
        delivery = asyncio.ensure_future(_deliver(session, running.bot.url + "/webhooks/generic", body, headers))
        during = await commands(delivery)
        status, answered_after = await delivery
    stored = await databases.count_rows(running.database_url, "alerts")
    slowest_ms, acks = max(during.latencies_ms, default=float("nan")), len(during.latencies_ms)
    say(
        f"bot on {database}: delivery answered {status} after {answered_after - sent:.1f} s, {acks} acks meanwhile, "
        f"slowest {slowest_ms:.0f} ms (idle: p99 {idle.measure.p99_ms:.0f} ms)"
    )
    notes = [
        f"the delivery was answered {status} after {answered_after - sent:.1f} s; stored {stored:,}/"
        f"{DEFAULT_MAX_ALERTS_PER_DELIVERY:,} alerts",
        f"{acks} acks during it, {SENDERS} senders, the slowest {slowest_ms:.0f} ms",
        "baseline: the same bot and commands while idle",
    ]
    for who, result in (("idle", idle), ("during the delivery", during)):
        if result.failures:
            notes.append(f"failed commands {who}: {result.failures}")
    errors = running.error_log_lines()
    if errors:
        notes.append(f"bot logged {errors} error lines")
    return Row(
        NAME,
        database,
        baseline=idle.measure,
        bot=during.measure,
        goal=f"every ack < {ACK_SECONDS:.0f} s",
        goal_met=bool(during.latencies_ms) and slowest_ms < ACK_SECONDS * 1000,
        checks_passed=status == 200
        and stored == DEFAULT_MAX_ALERTS_PER_DELIVERY
        and not idle.failures
        and not during.failures
        and not errors,
        notes=notes,
    )


async def _deliver(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status, time.monotonic()

"""Benchmark "Alert storm": 5,000 alerts in 60 s from Alertmanager, and the bot's memory before and after;
"storm_50k" is the same storm ten times over (50,000 alerts in 60 s, every group of the fleet).

The storm (bench/payloads.py `alert_storm`) is sent on its schedule, open loop as Alertmanager sends:
each notification goes out when it is due, whether or not earlier ones were answered. Measured: when
every alert was stored (the last delivery answered 2xx; the `alerts` table holds them all), when
every incident was up to date in Slack (no outbox entry of an incident pending, so the storm
incident's alert list shows the last change), when the bot owed Slack nothing more, and how often it
called Slack about each channel. The Slack emulator answers as Slack does, rate limits included.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench import databases
from bench.bot_process import WEBHOOK_TOKEN, Call, RunningBot, running_bot
from bench.channel_pace import WINDOW_SECONDS, channel_paces
from bench.load import LoadResult
from bench.payloads import Storm, alert_storm
from bench.report import Row
from bench.webhooks import Say

MEMORY = "Memory (bot RSS)"
# The goals: Slack calls "bounded, under 2 per second per channel", and RSS under 150 MB; for the
# 50,000-alert storm, incident channels up to date within 10 s of the last alert.
CALLS_PER_SECOND_TARGET, RSS_TARGET_MIB = 2.0, 150.0
STORM_SECONDS, GROUP_INTERVAL_SECONDS = 60.0, 10.0
# How long after the last alert the bot may take to catch up with Slack: bounded, to keep `make bench` short.
CATCH_UP_SECONDS, POLL_SECONDS = 30.0, 0.1


@dataclass(frozen=True)
class Size:
    """How big a storm: `groups` Alertmanager groups of `alerts_per_group` alerts, all within STORM_SECONDS."""

    groups: int
    alerts_per_group: int
    # Seconds after the last alert by which every incident must be up to date in Slack (None: only within
    # CATCH_UP_SECONDS).
    incidents_within: float | None = None

    @property
    def name(self) -> str:
        return f"Alert storm ({self.groups * self.alerts_per_group:,} alerts in {STORM_SECONDS:.0f} s)"


# The webhook benchmark's fleet: 100 groups of 50; ten times as many alerts is every group of the fleet (200) with 250.
STORM_5K, STORM_50K = Size(100, 50), Size(200, 250, incidents_within=10.0)
NAME = STORM_5K.name
HEADERS = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}
PATH = "/webhooks/alertmanager"


@dataclass(frozen=True)
class StormRun:
    deliveries: LoadResult
    stored: int
    # Seconds from the storm's start until: the last delivery was answered; no incident had a Slack
    # call pending; nothing had. None: not within CATCH_UP_SECONDS of the last delivery.
    stored_after: float
    incidents_after: float | None
    idle_after: float | None
    owed: int  # outbox entries still pending when the wait ended
    owed_by_kind: list[tuple[str, bool, int]]  # (effect, for an incident?, how many)
    dead: int
    incidents: int
    in_storm_incident: int  # alerts
    calls: list[Call]  # the bot's Web API calls from the storm's start until the wait ended
    channel_names: dict[str, str]
    rss_idle_mib: float
    rss_after_mib: float
    error_log_lines: int


async def run(workdir: Path, say: Say) -> list[Row]:
    return await run_size(workdir, say, STORM_5K)


def sized(size: Size) -> Callable[[Path, Say], Awaitable[list[Row]]]:
    """The benchmark at another size (`python -m bench --only storm_50k`)."""

    async def run(workdir: Path, say: Say) -> list[Row]:
        return await run_size(workdir, say, size)

    return run


async def run_size(workdir: Path, say: Say, size: Size) -> list[Row]:
    storm = alert_storm(size.groups, size.alerts_per_group, STORM_SECONDS, GROUP_INTERVAL_SECONDS)
    say(
        f"{storm.alerts:,} alerts in {STORM_SECONDS:.0f} s: {storm.groups} groups ({storm.critical_groups} critical), "
        f"{len(storm.notifications)} notifications"
    )
    rows = []
    for backend_context in databases.each(workdir):
        async with backend_context() as backend:
            if backend.url is None:
                say(f"bot on {backend.name}: {backend.skipped}")
                rows += [Row(name, backend.name, skipped=backend.skipped) for name in (size.name, MEMORY)]
                continue
            async with running_bot(workdir / backend.name.lower(), backend.url) as running:
                result = await _storm(running, storm)
            say(f"bot on {backend.name}: {_summary(result, storm)}")
            rows += [_storm_row(backend.name, result, storm, size), _memory_row(backend.name, result)]
    return rows


async def _storm(running: RunningBot, storm: Storm) -> StormRun:
    await asyncio.sleep(1.0)  # start-up done: migrations ran, the first pool connections are open
    rss_idle = running.bot.rss_mib()
    started = time.monotonic()
    deliveries, stored_after = await _deliver(running.bot.url + PATH, storm, started)
    incidents_after, idle_after = await _catch_up(running.database_url, started)
    async with databases.reader(running.database_url) as read:
        stored = await read("SELECT count(*) FROM alerts")
        owed = await read("SELECT count(*) FROM outbox WHERE state = 'pending'")
        dead = await read("SELECT count(*) FROM outbox WHERE state = 'dead'")
        incidents = await read("SELECT count(*) FROM incidents")
        in_storm_incident = await read(
            "SELECT count(*) FROM alerts JOIN incidents ON alerts.incident_id = incidents.id WHERE incidents.is_storm"
        )
    owed_by_kind = await databases.fetch(
        running.database_url,
        "SELECT kind, incident_id IS NOT NULL, count(*) FROM outbox WHERE state = 'pending'"
        " GROUP BY kind, incident_id IS NOT NULL ORDER BY count(*) DESC",
    )
    names = {channel_id: name for name, channel_id in (await running.workspace()).channels.items()}
    return StormRun(
        deliveries=deliveries,
        stored=stored,
        stored_after=stored_after,
        incidents_after=incidents_after,
        idle_after=idle_after,
        owed=owed,
        owed_by_kind=[(kind, bool(for_incident), count) for kind, for_incident, count in owed_by_kind],
        dead=dead,
        incidents=incidents,
        in_storm_incident=in_storm_incident,
        calls=[call for call in await running.calls() if call.at >= started],
        channel_names=names,
        rss_idle_mib=rss_idle,
        rss_after_mib=running.bot.rss_mib(),
        error_log_lines=running.error_log_lines(),
    )


async def _deliver(url: str, storm: Storm, started: float) -> tuple[LoadResult, float]:
    """Each notification when it is due; what was answered, and how long after `started` the last answer came."""
    result = LoadResult(seconds=STORM_SECONDS)
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def deliver(index: int) -> float:
            await asyncio.sleep(max(0.0, started + storm.notifications[index].at - time.monotonic()))
            sent_at = time.monotonic()
            try:
                async with session.post(url, data=storm.notifications[index].body, headers=HEADERS) as response:
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.errors[type(exc).__name__] += 1
                return time.monotonic()
            result.statuses[response.status] += 1
            if 200 <= response.status < 300:
                result.accepted.add(index)
                result.latencies_ms.append((time.monotonic() - sent_at) * 1000)
            return time.monotonic()

        answered = await asyncio.gather(*(deliver(index) for index in range(len(storm.notifications))))
    return result, max(answered) - started


async def _catch_up(database_url: str, started: float) -> tuple[float | None, float | None]:
    """Seconds from the storm's start until no incident had a Slack call pending, and until nothing had
    (an alert group that opened no incident is posted in the alerts channel, on no incident's behalf)."""
    incidents_after = None
    deadline = time.monotonic() + CATCH_UP_SECONDS
    async with databases.reader(database_url) as read:
        while time.monotonic() < deadline:
            if incidents_after is None and not await read(
                "SELECT count(*) FROM outbox WHERE state = 'pending' AND incident_id IS NOT NULL"
            ):
                incidents_after = time.monotonic() - started
            if not await read("SELECT count(*) FROM outbox WHERE state = 'pending'"):
                return incidents_after, time.monotonic() - started
            await asyncio.sleep(POLL_SECONDS)
    return incidents_after, None


def _storm_row(database: str, run: StormRun, storm: Storm, size: Size) -> Row:
    paces = channel_paces(run.calls, run.channel_names)
    methods = Counter(call.method for call in run.calls).most_common(4)
    limited = sum(call.http_status == 429 for call in run.calls)
    stored_all = run.stored == storm.alerts and len(run.deliveries.accepted) == len(storm.notifications)
    if run.idle_after is not None:
        everything = _when(run.idle_after, run)
    else:
        owed = ", ".join(
            f"{kind}{' (incident)' if is_incidents else ''} {count}" for kind, is_incidents, count in run.owed_by_kind
        )
        everything = f"{_when(None, run)}: {run.owed} still owed ({owed})"
    notes = [
        f"stored {run.stored:,}/{storm.alerts:,} alerts, the last {run.stored_after:.1f} s after the storm began "
        f"(the last notification was due at {storm.notifications[-1].at:.1f} s)",
        f"the storm incident ({run.in_storm_incident:,} alerts) and the {run.incidents - 1} other incidents "
        f"up to date in Slack {_when(run.incidents_after, run)}",
        f"every Slack call made {everything}",
        f"{len(run.calls):,} Web API calls ({', '.join(f'{method} {count}' for method, count in methods)}…"
        + (f"; {limited} answered 429)" if limited else ")"),
    ]
    notes += [
        f"{pace.channel}: {pace.calls} calls ({pace.rate_limited} answered 429), at most {pace.peak_per_second:.1f}/s "
        f"over {WINDOW_SECONDS:.0f} s, {pace.busiest_second} in its busiest second"
        for pace in paces[:3]
    ]
    if run.dead:
        notes.append(f"**{run.dead} outbox entries dead**")
    if run.deliveries.failures:
        notes.append(f"failed deliveries: {run.deliveries.failures}")
    if run.error_log_lines:
        notes.append(f"bot logged {run.error_log_lines} error lines")
    in_time = run.incidents_after is not None and (
        size.incidents_within is None or run.incidents_after - run.stored_after <= size.incidents_within
    )
    if not in_time and size.incidents_within is not None:
        notes.append(f"**incidents not up to date within {size.incidents_within:.0f} s of the last alert**")
    return Row(
        size.name,
        database,
        bot=run.deliveries.measure,
        goal=f"< {CALLS_PER_SECOND_TARGET:.0f} calls/s per channel",
        goal_met=not paces or paces[0].peak_per_second < CALLS_PER_SECOND_TARGET,
        checks_passed=stored_all and in_time and not run.dead and not run.deliveries.failures,
        notes=notes,
    )


def _when(after: float | None, run: StormRun) -> str:
    if after is None:
        return f"**not within {CATCH_UP_SECONDS:.0f} s of the last alert**"
    return f"{after:.1f} s after the storm began ({after - run.stored_after:.1f} s after the last alert)"


def _memory_row(database: str, run: StormRun) -> Row:
    return Row(
        MEMORY,
        database,
        goal=f"< {RSS_TARGET_MIB:.0f} MiB",
        goal_met=max(run.rss_idle_mib, run.rss_after_mib) < RSS_TARGET_MIB,
        notes=[
            f"VmRSS of `oncall-bot serve`: {run.rss_idle_mib:.0f} MiB idle after start-up, {run.rss_after_mib:.0f} MiB "
            f"after the storm ({run.rss_after_mib / run.rss_idle_mib:.2f}× idle)"
        ],
    )


def _summary(run: StormRun, storm: Storm) -> str:
    paces = channel_paces(run.calls, run.channel_names)
    incidents = f"{run.incidents_after:.1f} s" if run.incidents_after is not None else "no"
    idle = f"{run.idle_after:.1f} s" if run.idle_after is not None else f"not yet ({run.owed} owed)"
    busiest = f", busiest {paces[0].channel} {paces[0].peak_per_second:.1f} calls/s" if paces else ""
    return (
        f"stored {run.stored:,}/{storm.alerts:,} by {run.stored_after:.1f} s, incidents up to date at {incidents}, "
        f"all calls made at {idle}, {len(run.calls):,} Slack calls{busiest}, "
        f"RSS {run.rss_idle_mib:.0f} → {run.rss_after_mib:.0f} MiB"
    )

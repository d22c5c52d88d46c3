"""Benchmark "Alert storm, 3 replicas": bench/storm.py's storm, its notifications dealt out to three
`oncall-bot serve` replicas on one PostgreSQL, against one Slack emulator (which enforces Slack's limits).

Each replica keeps its own outbox worker; the budgets of Slack they spend are rows they share
(bot/outbox/shared_pacing.py), so the busiest channel's 10 s stay within what one replica may send.
Measured as bench/storm.py measures one replica: when every alert was stored, when every incident and
then everything was up to date in Slack, and each channel's pace; and how many calls each replica made.
SQLite runs one process, so it has no row here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from pathlib import Path

from bench import databases, storm
from bench.bot_process import RunningBot, running_bots
from bench.load import LoadResult
from bench.payloads import Storm, alert_storm
from bench.report import Row
from bench.webhooks import Say

NAME = "Alert storm, 3 replicas (5,000 alerts in 60 s)"
REPLICAS = 3
SENT = re.compile(r"outbox\.sent kind=")


async def run(workdir: Path, say: Say) -> list[Row]:
    size = storm.STORM_5K
    plan = alert_storm(size.groups, size.alerts_per_group, storm.STORM_SECONDS, storm.GROUP_INTERVAL_SECONDS)
    async with databases.postgres() as backend:
        if backend.url is None:
            say(f"{REPLICAS} replicas on {backend.name}: {backend.skipped}")
            return [Row(NAME, backend.name, skipped=backend.skipped)]
        async with running_bots(workdir / "replicas", backend.url, replicas=REPLICAS) as bots:
            run, sent = await _storm(bots, plan)
    say(f"{REPLICAS} replicas on {backend.name}: {storm._summary(run, plan)}; calls per replica {sent}")
    row = storm._storm_row(backend.name, run, plan, size)
    notes = [*row.notes, f"outbox entries performed by each replica: {', '.join(map(str, sent))}"]
    return [dataclasses.replace(row, benchmark=NAME, notes=notes)]


async def _storm(bots: list[RunningBot], plan: Storm) -> tuple[storm.StormRun, list[int]]:
    await asyncio.sleep(1.0)  # start-up done: migrations ran, the first pool connections are open
    first = bots[0]
    rss_idle = first.bot.rss_mib()
    started = time.monotonic()
    # Alertmanager behind a load balancer: each replica takes every third notification, on the storm's schedule.
    shares = [dataclasses.replace(plan, notifications=plan.notifications[n::REPLICAS]) for n in range(REPLICAS)]
    answered = await asyncio.gather(
        *(storm._deliver(bot.bot.url + storm.PATH, share, started) for bot, share in zip(bots, shares, strict=True))
    )
    deliveries = LoadResult(seconds=storm.STORM_SECONDS)
    for share, (result, _) in enumerate(answered):
        deliveries.statuses.update(result.statuses)
        deliveries.errors.update(result.errors)
        deliveries.latencies_ms.extend(result.latencies_ms)
        deliveries.accepted.update(share + REPLICAS * index for index in result.accepted)
    stored_after = max(after for _, after in answered)
    incidents_after, idle_after = await storm._catch_up(first.database_url, started)
    async with databases.reader(first.database_url) as read:
        counts = {
            name: await read(query)
            for name, query in {
                "stored": "SELECT count(*) FROM alerts",
                "owed": "SELECT count(*) FROM outbox WHERE state = 'pending'",
                "dead": "SELECT count(*) FROM outbox WHERE state = 'dead'",
                "incidents": "SELECT count(*) FROM incidents",
                "in_storm": "SELECT count(*) FROM alerts JOIN incidents ON alerts.incident_id = incidents.id"
                " WHERE incidents.is_storm",
            }.items()
        }
    names = {channel_id: name for name, channel_id in (await first.workspace()).channels.items()}
    run = storm.StormRun(
        deliveries=deliveries,
        stored=counts["stored"],
        stored_after=stored_after,
        incidents_after=incidents_after,
        idle_after=idle_after,
        owed=counts["owed"],
        owed_by_kind=[],
        dead=counts["dead"],
        incidents=counts["incidents"],
        in_storm_incident=counts["in_storm"],
        calls=[call for call in await first.calls() if call.at >= started],
        channel_names=names,
        rss_idle_mib=rss_idle,
        rss_after_mib=first.bot.rss_mib(),
        error_log_lines=sum(bot.error_log_lines() for bot in bots),
    )
    return run, [bot.bot.count_log_lines(SENT.pattern) for bot in bots]

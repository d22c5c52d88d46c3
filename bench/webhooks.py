"""Benchmark "Alertmanager webhook": the bot's POST /webhooks/alertmanager against a bare aiohttp receiver.

Both get the same load: 200 distinct 5-alert groups, sent round and round as Alertmanager resends
every group at each group_interval, so most deliveries are repeats that change nothing. The bot runs
as `oncall-bot serve` does, with its Slack emulator in a third process, on SQLite and on PostgreSQL;
after each run its `alerts` table must hold every distinct alert sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import databases
from bench.bot_process import WEBHOOK_TOKEN, running_bot
from bench.load import LoadResult, run_load
from bench.payloads import Groups, alertmanager_groups
from bench.report import Row
from bench.servers import Server, free_port, python_command, serve

NAME = "Alertmanager webhook"
# The issue's goal: "≥ 0.25 of the bare handler's requests/s on SQLite, with every accepted alert
# durably stored". PostgreSQL has no target of its own; its row is there to compare.
TARGETS = {"SQLite": 0.25}
PATH = "/webhooks/alertmanager"
HEADERS = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}
GROUPS, ALERTS_PER_GROUP = 200, 5
CONCURRENCY, WARMUP_SECONDS, MEASURE_SECONDS = 32, 2.0, 8.0
CLIENT_BOUND_PERCENT = 90.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class BotRun:
    load: LoadResult
    stored: int
    rss_idle_mib: float
    rss_after_mib: float
    error_log_lines: int


async def run(workdir: Path, say: Say) -> list[Row]:
    groups = alertmanager_groups(GROUPS, ALERTS_PER_GROUP)
    say(f"{len(groups.bodies)} groups of {ALERTS_PER_GROUP} alerts, {groups.critical_groups} of them critical")
    rows = []
    for backend_context in databases.each(workdir):
        async with backend_context() as backend:
            if backend.url is None:
                say(f"bot on {backend.name}: {backend.skipped}")
                rows.append(Row(NAME, backend.name, skipped=backend.skipped))
                continue
            # Each row gets a baseline measured just before it: on a shared machine, load from elsewhere
            # that comes and goes then skews both sides of one ratio alike.
            baseline = await _bare(workdir / backend.name.lower(), groups)
            say(f"baseline (bare aiohttp): {_summary(baseline)}")
            bot = await _bot(workdir / backend.name.lower(), backend.url, groups)
            say(f"bot on {backend.name}: {_summary(bot.load)}, stored {bot.stored}/{groups.alerts}")
            rows.append(_row(backend.name, baseline, bot, groups))
    return rows


async def _bare(workdir: Path, groups: Groups) -> LoadResult:
    port = free_port()
    command = python_command("bench.bare_webhook", "--port", str(port))
    async with serve("bare webhook", command, logs=workdir, port=port) as bare:
        return await _load(bare, groups)


async def _bot(workdir: Path, database_url: str, groups: Groups) -> BotRun:
    async with running_bot(workdir, database_url) as running:
        bot = running.bot
        rss_idle = bot.rss_mib()
        load = await _load(bot, groups)
        rss_after = bot.rss_mib()
        # Counted while the bot still runs: every 200 it sent promised the alerts were already committed.
        stored = await databases.count_rows(database_url, "alerts")
        errors = running.error_log_lines()
    return BotRun(load, stored, rss_idle, rss_after, errors)


async def _load(server: Server, groups: Groups) -> LoadResult:
    return await run_load(
        server.url + PATH,
        groups.bodies,
        headers=HEADERS,
        concurrency=CONCURRENCY,
        warmup_seconds=WARMUP_SECONDS,
        measure_seconds=MEASURE_SECONDS,
        first_pass=True,
    )


def _row(database: str, baseline: LoadResult, bot: BotRun, groups: Groups) -> Row:
    # Distinct alerts that some 2xx acknowledged: those are the ones the bot promised to keep.
    accepted = len(bot.load.accepted) * ALERTS_PER_GROUP
    notes = [f"stored {bot.stored}/{accepted}"]
    if accepted < groups.alerts:
        notes.append(f"only {accepted} of {groups.alerts} distinct alerts were acknowledged")
    for who, result in (("baseline", baseline), ("bot", bot.load)):
        if result.failures:
            notes.append(f"{who} failed requests: {result.failures}")
        if result.client_cpu_percent >= CLIENT_BOUND_PERCENT:
            notes.append(f"load generator at {result.client_cpu_percent:.0f} % CPU during {who}: a lower bound")
    if bot.error_log_lines:
        notes.append(f"bot logged {bot.error_log_lines} error lines")
    for who, result in (("baseline", baseline), ("bot", bot.load)):
        if result.first_pass_seconds:
            rate = len(groups.bodies) / result.first_pass_seconds
            notes.append(f"{who}: first delivery of each group {rate:,.0f} groups/s")
    notes.append(f"bot RSS {bot.rss_idle_mib:.0f} MiB idle → {bot.rss_after_mib:.0f} MiB after")
    passed = bot.stored == accepted == groups.alerts and not baseline.failures and not bot.load.failures
    return Row(
        NAME,
        database,
        baseline=baseline.measure,
        bot=bot.load.measure,
        target=TARGETS.get(database),
        checks_passed=passed,
        notes=notes,
    )


def _summary(result: LoadResult) -> str:
    measure = result.measure
    text = f"{measure.rps:,.0f} req/s, p50 {measure.p50_ms:.1f} ms, p99 {measure.p99_ms:.1f} ms"
    return text + (f", FAILED: {result.failures}" if result.failures else "")

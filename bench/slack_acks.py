"""What the slash-command and timeline benchmarks share: bare bolt beside the bot, and rounds that alternate them.

Both targets run at once (an idle one costs nothing), and each round loads one then the other, so a
ratio compares two windows seconds apart. The row's ratio is the median of the rounds' ratios and
its notes give their spread: on a shared machine that spread is the noise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp

from bench import profile
from bench.bot_process import BOT_TOKEN, SIGNING_SECRET, RunningBot, wait_until_outbox_idle
from bench.load import LoadResult, alternate, median_ratio, merged, run_load
from bench.report import Row
from bench.servers import Server, ServerError, free_port, python_command, serve
from bench.slack_requests import Signed, slash_commands

PATH = "/slack/events"
CONCURRENCY, WARMUP_SECONDS, MEASURE_SECONDS, ROUNDS = 32, 1.0, 4.0, 3
CLIENT_BOUND_PERCENT = 90.0
SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class Rounds:
    baseline: list[LoadResult]
    bot: list[LoadResult]

    @property
    def ratio(self) -> tuple[float, float, float]:
        return median_ratio(self.bot, self.baseline)

    def summary(self) -> str:
        ratio, low, high = self.ratio
        return f"ratio {ratio:.2f} (rounds {low:.2f}–{high:.2f}); bot {_summary(merged(self.bot))}"


@asynccontextmanager
async def bare_bolt(workdir: Path, running: RunningBot) -> AsyncIterator[Server]:
    """Bare bolt, with the bot's token and signing secret, asking the bot's emulator for its one auth.test."""
    port = free_port()
    command = python_command(
        "bench.bare_bolt",
        "--port",
        str(port),
        "--signing-secret",
        SIGNING_SECRET,
        "--bot-token",
        BOT_TOKEN,
        "--api-url",
        running.emulator.url + "/",
    )
    async with serve("bare bolt", command, logs=workdir, port=port) as server:
        yield server


async def measure(
    baseline: Server, bot: Server, *, baseline_requests: Callable[[], Signed], bot_requests: Callable[[], Signed]
) -> Rounds:
    """`ROUNDS` rounds of each; the request lists are asked for just before each load, freshly signed."""

    def load(server: Server, requests: Callable[[], Signed]) -> Callable[[], Awaitable[LoadResult]]:
        return lambda: _load(server, requests(), warmup_seconds=WARMUP_SECONDS, measure_seconds=MEASURE_SECONDS)

    baseline_results, bot_results = await alternate(
        [load(baseline, baseline_requests), load(bot, bot_requests)], rounds=ROUNDS
    )
    return Rounds(baseline_results, bot_results)


async def explain(
    row: Row,
    workdir: Path,
    baseline: Server,
    bot: Server,
    *,
    baseline_requests: Callable[[], Signed],
    bot_requests: Callable[[], Signed],
) -> Row:
    """The row with a profile of the bot and of bare bolt under the same load, if it missed its target."""
    if row.met is not False or not profile.is_enabled():
        return row
    profiles = []
    for name, server, requests in (("bot", bot, bot_requests), ("bare bolt", baseline, baseline_requests)):
        output = (
            workdir / f"profile-{profile.slug(row.benchmark)}-{profile.slug(row.database)}-{profile.slug(name)}.txt"
        )

        def load(
            seconds: float, server: Server = server, requests: Callable[[], Signed] = requests
        ) -> Awaitable[LoadResult]:
            return _load(server, requests(), warmup_seconds=0.0, measure_seconds=seconds)

        sampled = await profile.sample(server.pid, output, load)
        if isinstance(sampled, str):
            return replace(row, profile=sampled)
        profiles.append(sampled)
    bot_profile, baseline_profile = profiles
    return replace(row, profile=profile.table(bot_profile, baseline_profile, "bare bolt"))


async def _load(server: Server, signed: Signed, *, warmup_seconds: float, measure_seconds: float) -> LoadResult:
    return await run_load(
        server.url + PATH,
        signed.bodies,
        headers_per_body=signed.headers,
        concurrency=CONCURRENCY,
        warmup_seconds=warmup_seconds,
        measure_seconds=measure_seconds,
    )


async def post_signed(url: str, signed: Signed) -> list[tuple[int, str]]:
    """Send each request once, in order; the statuses and bodies the target answered."""
    answers = []
    async with aiohttp.ClientSession() as session:
        for body, headers in zip(signed.bodies, signed.headers, strict=True):
            async with session.post(url + PATH, data=body, headers=headers) as response:
                answers.append((response.status, await response.text()))
    return answers


async def declare(running: RunningBot, titles: Sequence[str], *, user: str, channel: str) -> None:
    """Declare incidents with `/incident declare`, as `user` would in `channel`, and wait until the bot has
    made every Slack call they need (channels, invites, summaries), so that work does not overlap a round."""
    for title in titles:
        signed = slash_commands(
            SIGNING_SECRET, command="/incident", text=f"declare {title}", channel_id=channel, users=[user]
        )
        [(status, answer)] = await post_signed(running.bot.url, signed)
        if status != 200:
            raise ServerError(f"bot answered /incident declare with {status}: {answer[:200]}")
    if await wait_until_outbox_idle(running.database_url, within=SETTLE_SECONDS) is None:
        raise ServerError(
            f"the bot's outbox was still busy {SETTLE_SECONDS:.0f} s after declaring; see {running.bot.stderr_path}"
        )


def row(
    name: str,
    database: str,
    rounds: Rounds,
    *,
    target: float,
    notes: list[str],
    checks_passed: bool,
    goal: str | None = None,
    goal_met: bool | None = None,
) -> Row:
    """A row that meets its target only if, besides the ratio, no request failed and `checks_passed`."""
    baseline, bot = merged(rounds.baseline), merged(rounds.bot)
    ratio, low, high = rounds.ratio
    notes = [f"median of {ROUNDS} alternating rounds, ratios {low:.2f}–{high:.2f}", *notes]
    for who, result in (("baseline", baseline), ("bot", bot)):
        if result.failures:
            notes.append(f"{who} failed requests: {result.failures}")
        if result.client_cpu_percent >= CLIENT_BOUND_PERCENT:
            notes.append(f"load generator at {result.client_cpu_percent:.0f} % CPU during {who}: a lower bound")
    return Row(
        name,
        database,
        baseline=baseline.measure,
        bot=bot.measure,
        target=target,
        measured_ratio=ratio,
        goal=goal,
        goal_met=goal_met,
        checks_passed=checks_passed and not baseline.failures and not bot.failures,
        notes=notes,
    )


def _summary(result: LoadResult) -> str:
    measure = result.measure
    text = f"{measure.rps:,.0f} req/s, p50 {measure.p50_ms:.1f} ms, p99 {measure.p99_ms:.1f} ms"
    return text + (f", FAILED: {result.failures}" if result.failures else "")

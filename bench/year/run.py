"""Benchmark "Year-sized database": the same requests of the bot on a fresh database and on a year-sized one.

Both bots run at once, each with its own emulator, and each request kind loads one then the other in
alternating rounds: the row's baseline is the fresh database, measured in the same run, and its target
the issue's absolute p99. Then the postmortem of the 10,000-entry incident, and, on PostgreSQL, a new
migration applied to the year-sized database (migration.py).
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bench import databases
from bench.bot_process import RunningBot, running_bot
from bench.load import LoadResult, alternate, merged, run_load
from bench.report import Row
from bench.slack_acks import PATH, declare, post_signed
from bench.slack_requests import Signed
from bench.webhooks import Say
from bench.year import migration, postmortem
from bench.year.databases import year_postgres, year_sqlite
from bench.year.requests import CONFIG, KINDS, WEB_TOKEN, Kind
from bench.year.shape import Year, now_rounded

NAME = "Year-sized database"
SCALE = 1.0
CONCURRENCY, WARMUP_SECONDS, MEASURE_SECONDS, ROUNDS = 32, 1.0, 3.0, 2
FRESH_INCIDENTS = ("Checkout is down for EU customers sev1", "Search results are stale sev3", "Slow logins sev2")


async def run(workdir: Path, say: Say) -> list[Row]:
    year = Year(scale=SCALE, end=now_rounded())
    rows: list[Row] = []
    contexts = [
        (
            lambda: databases.sqlite(workdir / "fresh-sqlite"),
            lambda: year_sqlite(workdir / "year", scale=SCALE, say=say),
        ),
        (databases.postgres, lambda: year_postgres(scale=SCALE, say=say)),
    ]
    for fresh_context, year_context in contexts:
        async with fresh_context() as fresh, year_context() as seeded:
            if fresh.url is None or seeded.url is None:
                skipped = fresh.skipped or seeded.skipped
                say(f"{fresh.name}: {skipped}")
                rows.append(Row(NAME, fresh.name, skipped=skipped))
                continue
            folder = workdir / fresh.name.lower()
            rows += await _requests(folder, fresh.name, fresh.url, seeded.url, year, say)
            rows.append(await postmortem.measure(seeded.url, fresh.name, year, say))
            if fresh.name == "PostgreSQL":
                rows.append(await migration.measure(seeded.url, say))
    return rows


async def _requests(folder: Path, database: str, fresh_url: str, year_url: str, year: Year, say: Say) -> list[Row]:
    (folder / "config").mkdir(parents=True, exist_ok=True)
    config = folder / "config" / "oncall.yml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = {"WEB_TOKEN": WEB_TOKEN, "ONCALL_CONFIG": str(config)}
    rows = []
    async with (
        running_bot(folder / "fresh", fresh_url, settings=settings) as fresh,
        running_bot(folder / "year", year_url, settings=settings) as seeded,
    ):
        people = await fresh.workspace()
        await declare(fresh, FRESH_INCIDENTS, user=people.users["alice"], channel=people.channels["incidents"])
        for kind in KINDS:
            load_fresh = await _loader(fresh, kind, 1, is_year=False)
            load_year = await _loader(seeded, kind, year.big_incident, is_year=True)
            fresh_results, year_results = await alternate([load_fresh.load, load_year.load], rounds=ROUNDS)
            row = _row(kind, database, fresh_results, year_results, load_fresh.checked, load_year.checked)
            say(f"{kind.name}, {database}: year p99 {row.bot.p99_ms if row.bot else float('nan'):.0f} ms")
            rows.append(row)
    return rows


class _Loader:
    def __init__(self, running: RunningBot, kind: Kind, number: int, *, is_year: bool) -> None:
        self.running, self.kind, self.number, self.is_year = running, kind, number, is_year
        self.checked = ""  # why the first answer was wrong; empty when it was right

    async def first(self) -> None:
        if self.kind.slack is not None:
            signed = self.kind.slack(await self.running.workspace(), self.number)
            [(status, answer)] = await post_signed(self.running.bot.url, Signed(signed.bodies[:1], signed.headers[:1]))
        else:
            assert self.kind.path is not None
            status, answer = await _get(self.running.bot.url + self.kind.path(self.number, self.is_year))
        if status != 200 or self.kind.expected not in answer:
            self.checked = f"**wrong answer** {status}: {answer[:160]!r}"

    async def load(self) -> LoadResult:
        if self.kind.slack is not None:
            # Signed afresh for each round: Slack's signatures are good for five minutes.
            signed = self.kind.slack(await self.running.workspace(), self.number)
            return await run_load(
                self.running.bot.url + PATH,
                signed.bodies,
                headers_per_body=signed.headers,
                concurrency=CONCURRENCY,
                warmup_seconds=WARMUP_SECONDS,
                measure_seconds=MEASURE_SECONDS,
            )
        assert self.kind.path is not None
        return await run_load(
            self.running.bot.url,
            [self.kind.path(self.number, self.is_year).encode()],
            headers={"Authorization": f"Bearer {WEB_TOKEN}"},
            concurrency=CONCURRENCY,
            warmup_seconds=WARMUP_SECONDS,
            measure_seconds=MEASURE_SECONDS,
            method="GET",
        )


async def _loader(running: RunningBot, kind: Kind, number: int, *, is_year: bool) -> _Loader:
    loader = _Loader(running, kind, number, is_year=is_year)
    await loader.first()
    return loader


async def _get(url: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers={"Authorization": f"Bearer {WEB_TOKEN}"}) as response,
    ):
        return response.status, await response.text()


def _row(
    kind: Kind, database: str, fresh: list[LoadResult], year: list[LoadResult], fresh_wrong: str, year_wrong: str
) -> Row:
    baseline, bot = merged(fresh), merged(year)
    notes = [f"{ROUNDS} alternating rounds of {MEASURE_SECONDS:.0f} s at {CONCURRENCY} concurrent senders"]
    for who, result, wrong in (("fresh", baseline, fresh_wrong), ("year", bot, year_wrong)):
        if wrong:
            notes.append(f"{who}: {wrong}")
        if result.failures:
            notes.append(f"{who} failed requests: {result.failures}")
    return Row(
        f"{NAME}: {kind.name}",
        database,
        baseline=baseline.measure,
        bot=bot.measure,
        goal=f"p99 < {kind.p99_ms:.0f} ms",
        goal_met=bot.measure.p99_ms < kind.p99_ms,
        checks_passed=not (fresh_wrong or year_wrong or baseline.failures or bot.failures),
        notes=notes,
    )

"""`python -m bench` (`make bench`): run every benchmark, print a summary, rewrite docs/benchmarks.md.

A benchmark is an async function `(workdir, say) -> list[Row]` that starts its own targets (see
bench/servers.py) and measures them against a baseline it measures too, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench import big_delivery, commands, postmortem, profile, replicas, storm, timeline, webhooks
from bench.report import Row, RunInfo, document, table
from bench.servers import REPO, ServerError
from bench.texts import ANALYSIS, INTRO, PROFILES_INTRO
from bench.year import retention as year_retention
from bench.year import run as year_run
from bench.year import seed as year_seed

Benchmark = Callable[[Path, Callable[[str], None]], Awaitable[list[Row]]]
BENCHMARKS: dict[str, Benchmark] = {
    "webhooks": webhooks.run,
    "commands": commands.run,
    "timeline": timeline.run,
    "storm": storm.run,
    "storm_50k": storm.sized(storm.STORM_50K),
    "replicas": replicas.run,
    "big_delivery": big_delivery.run,
    "postmortem": postmortem.run,
    "year": year_run.run,
    "year_retention": year_retention.run,
}
OUTPUT = REPO / "docs" / "benchmarks.md"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not rewrite {OUTPUT.relative_to(REPO)}")
    parser.add_argument(
        "--no-profile", action="store_true", help="do not profile the rows that miss their target (needs py-spy)"
    )
    parser.add_argument(
        "--seed-year",
        metavar="URL",
        help="only fill this empty database (DATABASE_URL form) with a year of a 200-person organisation",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="with --seed-year: that year times this (e.g. 0.05)")
    arguments = parser.parse_args()
    if arguments.seed_year:
        return seed_year(arguments.seed_year, arguments.scale)
    names = arguments.only or list(BENCHMARKS)
    if arguments.no_profile:
        profile.disable()
    started = time.monotonic()
    try:
        rows, failed = asyncio.run(_run_all(names))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM (see _run_all)
        print("\nbench: interrupted; every target was stopped", file=sys.stderr)
        return 130
    if rows:
        print()
        print(table(rows))
        for row in rows:
            if row.profile:
                print(f"\nWhere the time goes: {row.benchmark}, {row.database}\n{row.profile}")
        print(f"\n({(time.monotonic() - started) / 60:.1f} min)")
    if failed:
        print(f"\nbench: {', '.join(failed)} could not run; {OUTPUT.name} left as it was", file=sys.stderr)
        return 1
    # A partial run must not replace a complete table with fewer rows.
    if arguments.only or arguments.no_write:
        print(f"\nbench: {OUTPUT.relative_to(REPO)} not rewritten (partial run or --no-write)")
        return 0
    info = RunInfo.collect(REPO, minutes=(time.monotonic() - started) / 60)
    OUTPUT.write_text(document(INTRO, info, rows, analysis=ANALYSIS, profiles_intro=PROFILES_INTRO), encoding="utf-8")
    print(f"\nbench: wrote {OUTPUT.relative_to(REPO)}")
    return 0


async def _run_all(names: list[str]) -> tuple[list[Row], list[str]]:
    # SIGTERM (e.g. a CI timeout) cancels like Ctrl-C does, so every `finally` stops its targets.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    workdir = Path(tempfile.mkdtemp(prefix="oncall-bench-"))
    rows: list[Row] = []
    failed: list[str] = []
    try:
        for name in names:
            started = time.monotonic()
            print(f"== {name}", flush=True)
            try:
                rows += await BENCHMARKS[name](workdir / name, _say)
            except ServerError as exc:
                print(f"bench: {name}: {exc}", file=sys.stderr, flush=True)
                failed.append(name)
            print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        # The targets' logs are worth keeping only when one of them could not start.
        if failed:
            print(f"bench: logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return rows, failed


def seed_year(url: str, scale: float) -> int:
    if not 0 < scale <= 10:
        print(
            f"bench: --scale {scale:g} is out of range: give a factor above 0 and at most 10, e.g. 0.05",
            file=sys.stderr,
        )
        return 2
    seeding = asyncio.run(year_seed.seed(url, scale=scale, say=_say))
    print(seeding.summary())
    return 0


def _say(line: str) -> None:
    print(f"   {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

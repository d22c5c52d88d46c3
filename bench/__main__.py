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

from bench import postmortem, webhooks
from bench.report import Row, RunInfo, document, table
from bench.servers import REPO, ServerError

Benchmark = Callable[[Path, Callable[[str], None]], Awaitable[list[Row]]]
BENCHMARKS: dict[str, Benchmark] = {
    "webhooks": webhooks.run,
    "postmortem": postmortem.run,
}
OUTPUT = REPO / "docs" / "benchmarks.md"

INTRO = """\
# Benchmarks

Run them with `make bench` (about a minute). The runner starts every target as its own process on
127.0.0.1, drives it with an asyncio load generator (one connection pool, 32 concurrent senders,
2 s warm-up, 8 s measured) and regenerates this file; do not edit it by hand, edit `INTRO` in
`bench/__main__.py` instead.

Every number below depends on the machine, so each row also measures a **baseline** — the least a
server could do for the same request (for webhooks: a bare aiohttp handler that parses the JSON and
answers) — in the same run, on the same machine, under the same load, just before the bot. Targets
are ratios of the bot's throughput to that baseline; compare ratios across runs, not requests per
second.

- **Alertmanager webhook**: 200 distinct groups of 5 firing alerts (one group in ten critical),
  sent round and round with `Authorization: Bearer …`, so most deliveries are resends that change
  nothing, as with Alertmanager's `group_interval`. Each group is first delivered once (its rate is
  in the notes: that is the path that stores alerts and opens incidents), then the measured window
  is the steady state of resends. The bot runs as `oncall-bot serve` does (log
  level INFO, access log on) with the Slack emulator in a third process. A row meets its target only
  if no request failed and the `alerts` table holds every distinct alert acknowledged ("stored N/N").
  Latencies are per request as a sender sees them, p50 / p99 in milliseconds."""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not rewrite {OUTPUT.relative_to(REPO)}")
    arguments = parser.parse_args()
    names = arguments.only or list(BENCHMARKS)
    try:
        rows, failed = asyncio.run(_run_all(names))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM (see _run_all)
        print("\nbench: interrupted; every target was stopped", file=sys.stderr)
        return 130
    if rows:
        print()
        print(table(rows))
    if failed:
        print(f"\nbench: {', '.join(failed)} could not run; {OUTPUT.name} left as it was", file=sys.stderr)
        return 1
    # A partial run must not replace a complete table with fewer rows.
    if arguments.only or arguments.no_write:
        print(f"\nbench: {OUTPUT.relative_to(REPO)} not rewritten (partial run or --no-write)")
        return 0
    OUTPUT.write_text(document(INTRO, RunInfo.collect(REPO), rows), encoding="utf-8")
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


def _say(line: str) -> None:
    print(f"   {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

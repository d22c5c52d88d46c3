"""Where a target's time goes: py-spy samples of its process during one more load window, summed by area.

A row that misses its target gets a profile of the bot and of its baseline under the same load, so
the report can say what the bot spends its extra time on. py-spy is not a dependency of the project:
`.venv/bin/pip install py-spy` to get profiles (it needs ptrace, which root or CAP_SYS_PTRACE has).
Sampling costs the target some speed, so no throughput is ever measured while py-spy is attached.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench.load import LoadResult

RATE = 200  # samples per second
_enabled = True


def disable() -> None:
    """No profiles this run (`python -m bench --no-profile`)."""
    global _enabled
    _enabled = False


def is_enabled() -> bool:
    return _enabled


def _aiosqlite_waiting() -> str:
    """How py-spy prints aiosqlite's thread blocked on its queue, waiting for a statement: in C, on the Python
    frame's line, so only the line number tells it from the thread running SQLite (also in C)."""
    try:
        import aiosqlite.core

        lines, first = inspect.getsourcelines(aiosqlite.core._connection_worker_thread)
    except (ImportError, AttributeError, OSError, TypeError):
        return "_connection_worker_thread (aiosqlite/core.py:?)"
    line = next((first + offset for offset, text in enumerate(lines) if ".get(" in text), first)
    return f"_connection_worker_thread (aiosqlite/core.py:{line})"


# Samples of a thread that waits count for nothing: py-spy only sometimes knows a waiting thread is idle.
IDLE = "idle"
# A sample counts for the first area that any frame of its stack belongs to, so areas nested inside
# others come first: the listener before bolt's dispatch that calls it, the access log before the
# response writing that calls it. Frames are matched by substring, as py-spy prints them.
AREAS: list[tuple[str, tuple[str, ...]]] = [
    (IDLE, (_aiosqlite_waiting(), "EpollSelector.select")),
    ("database: SQLite, in aiosqlite's thread", ("_connection_worker_thread",)),
    ("database: timeline writes (bot/timeline)", ("Recorder._write", "Recorder.record")),
    ("database: the command's transaction", ("unit_of_work.<locals>.begin", "Database.transaction", "greenlet_spawn")),
    # SQLAlchemy runs statements in greenlets, whose stacks py-spy shows cut off from the caller's.
    ("database: SQLAlchemy and the driver (greenlet stacks)", ("(sqlalchemy/", "(aiosqlite/", "(asyncpg/")),
    ("access log (aiohttp's, one line per request)", ("log_access",)),
    ("other log lines", ("Logger._log",)),
    ("ack-time metric (prometheus_client)", ("prometheus_client",)),
    ("slash command: parsing, rendering the reply", ("handle_incident_command", "handle_slo_command")),
    ("events: reading the activity", ("handle_message_event", "handle_highlight_event")),
    ("bolt middleware: services into the context", ("ProvideServices", "provide_services")),
    ("bolt: the listener's arguments", ("build_async_required_kwargs",)),
    ("bolt: matching listeners", ("async_matches",)),
    ("bolt: reading the request", ("to_bolt_request",)),
    ("bolt: building the response", ("to_aiohttp_response",)),
    ("bolt: verifying and dispatching (rest)", ("async_dispatch",)),
    (
        "the Slack route and aiohttp middleware (rest)",
        ("handle_slack_request", "request_context (", "json_errors (", "dispatch (bench/bare_bolt"),
    ),
    ("aiohttp: writing the response", ("finish_response",)),
    ("aiohttp: reading requests, routing (rest)", ("_handle_request", "data_received", "_read_ready")),
    ("event loop: scheduling (rest)", ("_run_once",)),
]
OTHER = "other"


@dataclass(frozen=True)
class Profile:
    rps: float  # what the target sustained while sampled (lower than unsampled)
    samples: Counter[str]  # by area
    seconds: float

    def microseconds_per_request(self, area: str) -> float:
        return self.samples[area] / RATE / self.seconds / self.rps * 1e6 if self.rps else float("nan")

    @property
    def busy(self) -> int:
        """Samples of a thread doing something."""
        return sum(count for area, count in self.samples.items() if area != IDLE)


def py_spy() -> Path | None:
    """py-spy from the venv the runner uses, else from PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.exists():
        return beside
    found = shutil.which("py-spy")
    return Path(found) if found else None


async def sample(
    pid: int, output: Path, load: Callable[[float], Awaitable[LoadResult]], *, seconds: float = 4.0
) -> Profile | str:
    """Sample `pid` while `load(seconds)` runs; the profile, or why there is none."""
    executable = py_spy()
    if executable is None:
        return "no profile: py-spy is not installed (`.venv/bin/pip install py-spy`)"
    await asyncio.to_thread(output.parent.mkdir, parents=True, exist_ok=True)
    command = [str(executable), "record", "--pid", str(pid), "--rate", str(RATE), "--duration", str(int(seconds + 2))]
    command += ["--format", "raw", "--nonblocking", "--output", str(output)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: ASYNC220 - returns at once
    try:
        await asyncio.sleep(1.0)  # py-spy attaches before the load starts
        result = await load(seconds)
        _, error = await asyncio.to_thread(spy.communicate, timeout=30)
    finally:
        if spy.poll() is None:
            spy.kill()
    collapsed = await asyncio.to_thread(_read, output)
    if spy.returncode != 0 or collapsed is None:
        said = error.decode(errors="replace").strip().splitlines()
        return f"no profile: py-spy failed ({said[-1] if said else f'status {spy.returncode}'})"
    return Profile(result.measure.rps, _by_area(collapsed), seconds)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return None


def _by_area(collapsed: str) -> Counter[str]:
    """py-spy's raw output: one line per distinct stack, `frame;frame;… count`."""
    samples: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        area = next((name for name, marks in AREAS if any(mark in stack for mark in marks)), OTHER)
        samples[area] += int(count)
    return samples


def table(bot: Profile, baseline: Profile | None, baseline_name: str) -> str:
    """Markdown: each area's microseconds per request, for the bot and its baseline, biggest difference first."""
    areas = [name for name, _ in AREAS] + [OTHER]
    used = [area for area in areas if area != IDLE and (bot.samples[area] or (baseline and baseline.samples[area]))]

    def extra(area: str) -> float:
        return bot.microseconds_per_request(area) - (baseline.microseconds_per_request(area) if baseline else 0.0)

    lines = [
        f"Sampled at {bot.rps:,.0f} req/s (bot)"
        + (f" and {baseline.rps:,.0f} req/s ({baseline_name})" if baseline else "")
        + f", {RATE} samples/s for {bot.seconds:.0f} s each, 32 concurrent requests.",
        "",
        f"| Where | Bot µs/request | {baseline_name.capitalize()} µs/request | Bot share of samples |",
        "| --- | --- | --- | --- |",
    ]
    for area in sorted(used, key=extra, reverse=True):
        theirs = f"{baseline.microseconds_per_request(area):.0f}" if baseline else "—"
        share = 100 * bot.samples[area] / bot.busy if bot.busy else 0.0
        lines.append(f"| {area} | {bot.microseconds_per_request(area):.0f} | {theirs} | {share:.0f} % |")
    return "\n".join(lines)


def slug(text: str) -> str:
    return re.sub(r"\W+", "-", text).strip("-").lower()

"""Target servers as subprocesses on loopback: start, wait until they answer, stop.

Each target runs in its own process so that the load generator's CPU (and, for the bot, the Slack
emulator's) is not charged to it, and so that its RSS can be read from /proc. Output goes to log
files, not pipes: a chatty server writing to a pipe nobody reads would block once the pipe fills.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.05


class ServerError(RuntimeError):
    """A target did not start; the message is one line plus the tail of its stderr."""


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str  # the base URL it answers on, without a trailing slash
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mib(self) -> float:
        """Resident memory now, from /proc (VmRSS is reported in kB)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        if match is None:
            raise ServerError(f"{self.name}: no VmRSS in /proc/{self.pid}/status (has it exited?)")
        return int(match.group(1)) / 1024

    def stderr_tail(self, lines: int = 15) -> str:
        return tail(self.stderr_path, lines)

    def count_log_lines(self, pattern: str) -> int:
        regex = re.compile(pattern)
        return sum(1 for line in _read(self.stderr_path).splitlines() if regex.search(line))


def free_port() -> int:
    """A port nobody listens on right now (the OS could hand it out again, but on loopback it won't soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def child_environment(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The runner's environment, with `bench` importable and output unbuffered (a crash's last words reach the log);
    `extra` sets variables, or with None removes them."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@asynccontextmanager
async def serve(
    name: str,
    command: Sequence[str],
    *,
    logs: Path,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    port: int | None = None,
    ready_path: str = "/",
    ready_line: str | None = None,
) -> AsyncIterator[Server]:
    """Run `command` until the block ends. Ready means: `ready_line` (a regex whose first group is the
    base URL) appeared on its stdout, or else http://127.0.0.1:`port``ready_path` answered below 500."""
    if (port is None) == (ready_line is None):
        raise ValueError("give exactly one of port= and ready_line=")
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    slug = re.sub(r"\W+", "-", name).strip("-")
    stdout_path, stderr_path = logs / f"{slug}.out", logs / f"{slug}.err"
    # Popen, not asyncio's create_subprocess_exec: with no await between starting the child and the
    # `try` below, a Ctrl-C cannot land in between and leave a child nobody stops.
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the child is waited for without blocking
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=child_environment(env),
            cwd=cwd or REPO,
            # Its own session: a Ctrl-C reaches only the runner, which then stops the children in order.
            start_new_session=True,
        )
    server = Server(name, process, f"http://127.0.0.1:{port}", stdout_path, stderr_path)
    try:
        if ready_line is not None:
            server.url = await _wait_for_line(server, re.compile(ready_line))
        else:
            await _wait_for_http(server, server.url + ready_path)
        yield server
    finally:
        await stop(server)


async def stop(server: Server) -> None:
    """SIGTERM (the servers shut down gracefully on it), then SIGKILL if it lingers."""
    process = server.process
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    if await _exited(process, STOP_TIMEOUT_SECONDS):
        return
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await _exited(process, STOP_TIMEOUT_SECONDS)


async def _exited(process: subprocess.Popen[bytes], within: float) -> bool:
    """Polled rather than `process.wait()`, which would block the event loop."""
    deadline = time.monotonic() + within
    while process.poll() is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(POLL_SECONDS)
    return True


async def _wait_for_line(server: Server, pattern: re.Pattern[str]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        _raise_if_exited(server)
        match = pattern.search(_read(server.stdout_path))
        if match:
            return match.group(1).rstrip("/")
        await asyncio.sleep(POLL_SECONDS)
    raise _not_started(server, f"printed no line matching {pattern.pattern!r} within {START_TIMEOUT_SECONDS:.0f} s")


async def _wait_for_http(server: Server, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    timeout = aiohttp.ClientTimeout(total=2)
    last = "no answer"
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.monotonic() < deadline:
            _raise_if_exited(server)
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
                    last = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = type(exc).__name__
            await asyncio.sleep(POLL_SECONDS)
    raise _not_started(server, f"did not answer {url} within {START_TIMEOUT_SECONDS:.0f} s ({last})")


def _raise_if_exited(server: Server) -> None:
    if (status := server.process.poll()) is not None:
        raise _not_started(server, f"exited with status {status} while starting")


def _not_started(server: Server, reason: str) -> ServerError:
    detail = server.stderr_tail()
    return ServerError(f"{server.name} {reason}" + (f"; its stderr ends with:\n{detail}" if detail else ""))


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def tail(path: Path, lines: int) -> str:
    return "\n".join(_read(path).splitlines()[-lines:])

"""What every real peer process (Alertmanager, Prometheus) has in common: its address, its log, waiting
until it is ready, and stopping it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from pathlib import Path

import aiohttp

STOP_WITHIN = 5.0
LOG_TAIL_LINES = 40


def free_port() -> int:
    # These peers cannot listen on port 0 and report back, so borrow a port the kernel says is free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it has not gone within STOP_WITHIN seconds."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_WITHIN)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


class PeerProcess:
    """One running peer: its base URL, an HTTP session to it, the process, and its log for failure messages."""

    name = "peer"

    def __init__(
        self, base_url: str, session: aiohttp.ClientSession, process: asyncio.subprocess.Process, log_path: Path
    ) -> None:
        self._base_url = base_url
        self._session = session
        self.process = process
        self.log_path = log_path

    @property
    def base_url(self) -> str:
        return self._base_url

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    async def _wait_ready(self, within: float) -> None:
        deadline = time.monotonic() + within
        ready_url = f"{self._base_url}/-/ready"
        while True:
            if self.process.returncode is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode} before it was ready; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                async with self._session.get(ready_url, timeout=aiohttp.ClientTimeout(total=1)) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} was not ready at {ready_url} after {within:.0f}s; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            await asyncio.sleep(0.1)

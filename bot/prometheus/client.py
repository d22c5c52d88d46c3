"""GETs to Prometheus's HTTP API, the real `PrometheusApi` of bot/slo/prometheus.py.

A failure to get any answer is QueryFailed, worded to follow "Prometheus at <url>": an operator reads
which of the two it was (nothing listening, or an answer broken off) and the cause in plain words.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

import aiohttp

from bot.slo.prometheus import QueryFailed


class PrometheusClient:
    """One connection pool for every Prometheus query of the process, opened at the first one."""

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session
        self._owns_session = session is None

    async def get(self, url: str, params: Mapping[str, str]) -> tuple[int, str]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.get(url, params=params) as response:
                return response.status, await response.text()
        except aiohttp.ClientConnectorError as exc:
            raise QueryFailed(f"is unreachable ({_reason(exc.os_error)})") from None
        except aiohttp.ClientError as exc:
            raise QueryFailed(f"broke off its answer ({type(exc).__name__})") from None

    async def close(self) -> None:
        """Close the pool if this client opened it (a session given to it stays its giver's to close)."""
        if self._session is not None and self._owns_session:
            await self._session.close()
            self._session = None


def _reason(error: OSError) -> str:
    # asyncio words a refusal "Connect call failed ('127.0.0.1', 9090)"; the errno says it plainly.
    if isinstance(error, socket.gaierror) or not error.errno:
        return str(error.strerror or error).lower()
    return os.strerror(error.errno).lower()

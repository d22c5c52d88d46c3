"""POSTs to pagers over HTTP, with the outbox's two kinds of failure.

Any answer comes back as it is; no answer (refused, reset, timed out) is RemoteRetryable, as are 408,
429 and 5xx by `classify`. Other 4xx (and redirects, which are not followed: a POST must not silently
become a GET elsewhere) are RemoteRejected: the same request would be refused again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from bot.errors import RemoteRejected, RemoteRetryable

TIMEOUT_SECONDS = 10.0
RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    retry_after: float | None


class PagerHttp:
    """One connection pool for every pager call of the process, opened at the first one."""

    def __init__(self, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        sent = {"Content-Type": "application/json", "User-Agent": "oncall-bot", **headers}
        try:
            async with self._session.post(url, data=body, headers=sent, allow_redirects=False) as response:
                return Answer(response.status, await response.text(), _seconds(response.headers.get("Retry-After")))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RemoteRetryable(method, f"no answer ({type(exc).__name__})") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def classify(method: str, answer: Answer) -> None:
    """Nothing for a 2xx; otherwise the failure the outbox retries or parks."""
    if 200 <= answer.status < 300:
        return
    if answer.status in RETRYABLE_STATUSES or answer.status >= 500:
        raise RemoteRetryable(method, f"http_{answer.status}", retry_after=answer.retry_after)
    raise RemoteRejected(method, f"http_{answer.status}: {answer.text[:300]}")


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: the backoff decides instead
        return None

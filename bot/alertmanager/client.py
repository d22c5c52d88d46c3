"""The few calls of Alertmanager's API v2 the bot makes: silences (create, list, expire) and alerts.

A failure to get an answer (or a 5xx) is AlertmanagerUnreachable, which the outbox retries; a 4xx is
AlertmanagerRefused, which parks the entry. Both are worded to follow "Alertmanager <name>".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiohttp

from bot.config.alertmanagers import AlertmanagerConfig
from bot.errors import AlertmanagerRefused, AlertmanagerUnreachable

TIMEOUT = aiohttp.ClientTimeout(total=10, connect=3)
# A slash command waits on this one: Slack wants its answer within 3 seconds.
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=1.0)


class AlertmanagerClient:
    """One connection pool for every Alertmanager call of the process, opened at the first one."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def create_silence(self, alertmanager: AlertmanagerConfig, silence: dict[str, Any]) -> str:
        """POST a postableSilence; Alertmanager answers the new silence's id."""
        answer = await self._call(alertmanager, "POST", "/api/v2/silences", body=silence)
        return str(answer["silenceID"])

    async def expire_silence(self, alertmanager: AlertmanagerConfig, silence_id: str) -> None:
        """DELETE a silence; one Alertmanager no longer knows (expired and garbage-collected) counts as done."""
        try:
            await self._call(alertmanager, "DELETE", f"/api/v2/silence/{silence_id}")
        except AlertmanagerRefused as exc:
            if "HTTP 404" not in exc.error:
                raise

    async def silences(self, alertmanager: AlertmanagerConfig) -> list[dict[str, Any]]:
        answer = await self._call(alertmanager, "GET", "/api/v2/silences")
        return list(answer)

    async def alerts(self, alertmanager: AlertmanagerConfig, *, filters: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        params = [("filter", matcher) for matcher in filters]
        answer = await self._call(alertmanager, "GET", "/api/v2/alerts", params=params)
        return list(answer)

    async def started_at(self, alertmanager: AlertmanagerConfig) -> datetime | None:
        """When this Alertmanager process started (its status's `uptime`); None if it does not say."""
        answer = await self._call(alertmanager, "GET", "/api/v2/status")
        try:
            return datetime.fromisoformat(str(answer["uptime"]).replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError):
            return None

    async def reachable(self, alertmanager: AlertmanagerConfig) -> bool:
        """Whether it answers within a second: what a slash command tells the person who gave it."""
        try:
            await self._call(alertmanager, "GET", "/api/v2/status", limit=PROBE_TIMEOUT)
        except (AlertmanagerUnreachable, AlertmanagerRefused):
            return False
        return True

    async def _call(
        self,
        alertmanager: AlertmanagerConfig,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: list[tuple[str, str]] | None = None,
        limit: aiohttp.ClientTimeout = TIMEOUT,
    ) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        what = f"Alertmanager {alertmanager.name} {method} {path.split('/silence/')[0]}"
        try:
            async with self._session.request(
                method,
                alertmanager.url + path,
                json=body,
                params=params,
                headers=_headers(alertmanager),
                auth=_basic_auth(alertmanager),
                timeout=limit,
            ) as response:
                text = await response.text()
                if response.status >= 500:
                    raise AlertmanagerUnreachable(what, f"HTTP {response.status}: {text[:200]}")
                if response.status >= 400:
                    raise AlertmanagerRefused(what, f"HTTP {response.status}: {text[:200]}")
                return json.loads(text) if text.strip() else None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AlertmanagerUnreachable(what, f"unreachable ({type(exc).__name__})") from None
        except ValueError:
            raise AlertmanagerUnreachable(what, "answered something that is not JSON") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _headers(alertmanager: AlertmanagerConfig) -> dict[str, str]:
    if alertmanager.bearer_token:
        return {"Authorization": f"Bearer {alertmanager.bearer_token}"}
    return {}


def _basic_auth(alertmanager: AlertmanagerConfig) -> aiohttp.BasicAuth | None:
    auth = alertmanager.basic_auth
    return aiohttp.BasicAuth(auth.username, auth.password) if auth else None

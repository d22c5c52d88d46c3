"""PagerDuty's Events API v2 on 127.0.0.1: POST /v2/enqueue answered as PagerDuty documents it.

https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and its overview's response codes:
202 `{"status": "success", "message": "Event processed", "dedup_key": …}` for an accepted event, 400
`{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}` for an invalid one,
429 when throttled. Alerts are de-duplicated by dedup_key as PagerDuty does: a trigger for an open alert
joins it; acknowledge and resolve apply to an open alert and are dropped otherwise; a trigger after a
resolve opens a new alert. `fail_next` makes it answer the next requests with an error (an outage, a
throttle), without taking the event in.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
ROUTING_KEY_LENGTH = 32
DEDUP_KEY_LIMIT = 255
SUMMARY_LIMIT = 1024


@dataclass
class Alert:
    dedup_key: str
    routing_key: str
    status: str  # triggered, acknowledged, resolved
    events: list[dict[str, Any]] = field(default_factory=list)


def invalid(event: Any) -> list[str]:
    """What is wrong with an event, in PagerDuty's words; empty when it is valid."""
    if not isinstance(event, dict):
        return ["Event object is not a JSON object"]
    errors = []
    routing_key = event.get("routing_key")
    if not isinstance(routing_key, str) or not routing_key:
        errors.append("'routing_key' is missing or blank")
    elif len(routing_key) != ROUTING_KEY_LENGTH:
        errors.append(f"Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LENGTH} characters)")
    action = event.get("event_action")
    if not action:
        errors.append("'event_action' is missing or blank")
    elif action not in ACTIONS:
        errors.append(f"'event_action' is invalid (must be one of: {', '.join(ACTIONS)})")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > DEDUP_KEY_LIMIT):
        errors.append(f"'dedup_key' must be a string of at most {DEDUP_KEY_LIMIT} characters")
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append("'dedup_key' is missing or blank")
    if action == "trigger":
        errors += _invalid_payload(event.get("payload"))
    return errors


def _invalid_payload(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or blank"]
    errors = [
        f"'payload.{name}' is missing or blank" for name in ("summary", "source", "severity") if not payload.get(name)
    ]
    if payload.get("severity") and payload["severity"] not in SEVERITIES:
        errors.append(f"'payload.severity' is invalid (must be one of: {', '.join(SEVERITIES)})")
    if isinstance(payload.get("summary"), str) and len(payload["summary"]) > SUMMARY_LIMIT:
        errors.append(f"'payload.summary' is longer than {SUMMARY_LIMIT} characters")
    return errors


class PagerDutyEmulator:
    """`events` are the accepted events in order; `alerts` what they made of them, by dedup_key."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.alerts: dict[str, Alert] = {}
        self.requests = 0  # every POST, refused or not
        self._failures: list[int] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/v2/enqueue"

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` requests are answered `status` (400, 429, 500, 503…) and their events not taken in."""
        self._failures += [status] * times

    def actions(self, dedup_key: str | None = None) -> list[str]:
        """The event_action of each accepted event (of one dedup_key), in order."""
        return [e["event_action"] for e in self.events if dedup_key is None or e.get("dedup_key") == dedup_key]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v2/enqueue", self._enqueue)
        return app

    async def start(self, *, port: int = 0) -> None:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _enqueue(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self._failures:
            status = self._failures.pop(0)
            if status == 429:
                return web.json_response({"status": "throttle event", "message": "Too many requests"}, status=429)
            if status == 400:
                return self._invalid(["refused by the test (fail_next)"])
            return web.json_response({"status": "error", "message": "Internal server error"}, status=status)
        try:
            event = json.loads(await request.read())
        except ValueError:
            return self._invalid(["Event object is not valid JSON"])
        errors = invalid(event)
        if errors:
            return self._invalid(errors)
        dedup_key = event.get("dedup_key") or uuid.uuid4().hex
        self.events.append(event)
        self._apply(dict(event, dedup_key=dedup_key))
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": dedup_key}, status=202
        )

    @staticmethod
    def _invalid(errors: list[str]) -> web.Response:
        body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return web.json_response(body, status=400)

    def _apply(self, event: dict[str, Any]) -> None:
        key, action = event["dedup_key"], event["event_action"]
        alert = self.alerts.get(key)
        # Follow-ups apply only to an open alert sent through the same routing key; others are dropped.
        is_open = alert is not None and alert.status != "resolved" and alert.routing_key == event["routing_key"]
        if action == "trigger" and not is_open:
            self.alerts[key] = Alert(key, event["routing_key"], "triggered", [event])
        elif is_open and alert is not None:
            alert.events.append(event)
            if action != "trigger":
                alert.status = {"acknowledge": "acknowledged", "resolve": "resolved"}[action]

"""A policy's webhook: the incident's pager events as signed JSON POSTs.

The body is `{"event", "delivery", "at", "incident", "policy", "step", "message", "by"}`. The signature is
HMAC-SHA256, keyed with PAGING_WEBHOOK_SECRET, of `<timestamp>.<raw body>`: `X-Oncall-Signature:
sha256=<hex>` with the Unix time in `X-Oncall-Timestamp`. A receiver recomputes it over the bytes it got
and refuses an old timestamp, so a captured delivery cannot be replayed later; `delivery` is the same on
every retry of one event, so a receiver that saw it already can ignore it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from bot.errors import RemoteRejected
from bot.pagers.http import PagerHttp, classify
from bot.pagers.pagerduty import channel_link

METHOD = "webhook.post"
SIGNATURE_HEADER = "X-Oncall-Signature"
TIMESTAMP_HEADER = "X-Oncall-Timestamp"


def body_of(payload: dict[str, Any]) -> dict[str, Any]:
    incident = dict(payload["incident"])
    if incident.get("channel_id"):
        incident["url"] = channel_link(str(incident["channel_id"]))
    return {
        "event": payload["event"],
        "delivery": payload["delivery"],
        "at": payload["at"],
        "incident": incident,
        "policy": payload.get("policy"),
        "step": payload.get("step"),
        "message": payload.get("message") or None,
        "by": payload.get("by"),
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def send(
    http: PagerHttp, payload: dict[str, Any], *, secret: str | None, clock: Callable[[], float] = time.time
) -> None:
    if not secret:  # written while a webhook was configured, performed by a bot started without the secret
        raise RemoteRejected(METHOD, "PAGING_WEBHOOK_SECRET is not set: set it, then `oncall-bot outbox retry`")
    body = json.dumps(body_of(payload)).encode()
    timestamp = str(int(clock()))  # signed now, at each attempt: the receiver's replay window starts here
    headers = {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        "X-Oncall-Event": str(payload["event"]),
    }
    classify(METHOD, await http.post(METHOD, str(payload["target"]), body, headers))

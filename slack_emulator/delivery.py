"""Sending the bot what Slack sends: signed slash commands, events and interactive payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

from slack_emulator.state import Delivery


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`: https://api.slack.com/authentication/verifying-requests-from-slack"""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def encode(kind: str, body: dict[str, Any]) -> tuple[bytes, str]:
    if kind == "event":
        return json.dumps(body).encode(), "application/json"
    if kind == "interactive":
        return urlencode({"payload": json.dumps(body)}).encode(), "application/x-www-form-urlencoded"
    return urlencode(body).encode(), "application/x-www-form-urlencoded"


async def send(
    session: aiohttp.ClientSession,
    url: str | None,
    kind: str,
    body: dict[str, Any],
    *,
    secret: str,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> Delivery:
    data, content_type = encode(kind, body)
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(secret, stamp, data),
    }
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason or "http_timeout"})
    if url is None:
        return Delivery(kind, data, headers, 0, b"no bot endpoint")
    started = time.monotonic()
    try:
        async with session.post(url, data=data, headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as response:
            answer = await response.read()
            return Delivery(kind, data, headers, response.status, answer, time.monotonic() - started)
    except (aiohttp.ClientError, TimeoutError) as exc:  # the bot is down: Slack would just record a failure
        return Delivery(kind, data, headers, 0, str(exc).encode(), time.monotonic() - started)

"""`POST /slack/events`: Slack's signature is checked before anything of the body is read or counted.

Bolt verifies the signature too, but only after it has parsed the body, and a stranger's malformed
body made that parse raise (a 500 and a traceback per request). So the raw bytes are verified here
first with slack_sdk's verifier; only a signed request reaches bolt, and only a signed request is
counted in a metric, under a label from a closed set.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot import texts
from bot.keys import bolt_key, database_key, metrics_key, settings_key
from bot.observability.ratelimited_log import RateLimitedLog
from bot.storage_failure import describe_failure
from handlers.auth import refuse
from handlers.bodies import read_limited
from handlers.slack import COMMANDS

log = logging.getLogger("oncall.slack")
RETRY_AFTER_SECONDS = 5
# Slack's own payloads are far smaller (a view submission is the largest, tens of KiB).
MAX_BODY_BYTES = 1024 * 1024
# One line a minute at most about refused requests: a flood must not become a flood of log.
_refusals = RateLimitedLog(log, every_seconds=60.0)


async def handle_slack_request(request: web.Request) -> web.Response:
    started = time.perf_counter()
    secret = request.app[settings_key].slack_signing_secret
    if not secret:
        # Socket Mode without a signing secret: Slack never calls this address, and an empty secret
        # would let anyone sign a request.
        return refuse(404, "not_found", "Slack requests arrive over Socket Mode; this address is off")
    body = await read_limited(request, MAX_BODY_BYTES)
    if isinstance(body, web.Response):
        return body
    if not _signed(secret, body, request.headers):
        _refusals.warning("slack.refused reason=bad_signature peer=%s", request.remote or "-")
        return refuse(401, "invalid_signature", "the request is not signed with this app's signing secret")
    try:
        # From the bytes already read (and verified): the stream is spent, so bolt's adapter would read nothing.
        bolt_request = AsyncBoltRequest(body=body.decode(), query=request.query_string, headers=dict(request.headers))
    except ValueError:  # signed, yet not a body Slack sends (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        _refusals.warning("slack.refused reason=malformed_body peer=%s", request.remote or "-")
        return refuse(400, "malformed", "the body is not a Slack request")
    bolt_response = await request.app[bolt_key].async_dispatch(bolt_request)
    command = bolt_request.body.get("command") if isinstance(bolt_request.body, dict) else None
    if command in COMMANDS:  # a closed set: a label is never a value the sender chose
        request.app[metrics_key].command_ack.labels(command).observe(time.perf_counter() - started)
    if bolt_response.status >= 500 and (failure := await _storage_failure(request)):
        # Bolt answers a bare 500 when a listener raised; nothing of the request was stored.
        log.warning("slack.storage_failing command=%s failure=%s", command or "-", failure)
        if command in COMMANDS:
            # Slack never retries a slash command, and shows a bare error for a 5xx: tell the person.
            return web.json_response({"response_type": "ephemeral", "text": texts.common.nothing_stored(failure)})
        # An event or click: Slack retries events (https://api.slack.com/apis/events-api#retries).
        response = refuse(503, "unavailable", f"{failure}; retry later")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return await to_aiohttp_response(bolt_response)


def _signed(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    timestamp, signature = headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or len(timestamp) > 12:  # the verifier would raise on a non-number
        return False
    return SignatureVerifier(secret).is_valid(body, timestamp, signature)


async def _storage_failure(request: web.Request) -> str | None:
    """Why the database cannot take a change now (unreachable, read-only, full), or None if it can."""
    database = request.app[database_key]
    try:
        await database.ping()
        await database.probe_write()
    except Exception as exc:  # too slow to answer counts too: the listener could not use it either
        return describe_failure(exc)
    return None

"""POST /webhooks/{source}: check credentials, parse the body, hand the alerts to ingestion.
POST /webhooks/heartbeat/{name}: the same credentials; a beat of a configured heartbeat (the body is ignored).

Refusals happen before anything is stored: 401 credentials, 413 size (bytes, or alerts past
`webhooks.max_alerts_per_delivery`), 400 not JSON, 422 wrong shape.
The 200 is sent only after the alerts are committed, so a sender that gets no 2xx retries and loses
nothing; a database outage answers 503, which Alertmanager and Grafana also retry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.alerts.models import AlertIn, PayloadError
from bot.clock import utcnow
from bot.errors import StoreUnavailable, UserError
from bot.heartbeats.service import SOURCE as HEARTBEAT
from bot.keys import alert_ingestion_key, begin_key, config_key, heartbeats_key, metrics_key, settings_key
from handlers.auth import check_bearer, refuse
from handlers.bodies import read_limited
from handlers.webhooks import alertmanager, generic, grafana, pagerduty

log = logging.getLogger("oncall.webhooks")

MAX_BODY_BYTES = 1024 * 1024
# A beat says nothing but "alive": whatever a cron job's curl sends is read (to end the request) and ignored.
MAX_BEAT_BYTES = 64 * 1024
PARSERS: dict[str, Callable[[dict[str, Any]], list[AlertIn]]] = {
    alertmanager.SOURCE: alertmanager.parse,
    grafana.SOURCE: grafana.parse,
    pagerduty.SOURCE: pagerduty.parse,
    generic.SOURCE: generic.parse,
}


def _check_token(request: web.Request, source: str) -> web.Response | None:
    expected = request.app[config_key].webhooks.tokens.get(source) or request.app[settings_key].webhook_token
    return check_bearer(request, expected, disabled=f"{source} webhooks are disabled: set WEBHOOK_TOKEN to accept them")


def _check_signature(request: web.Request, body: bytes) -> web.Response | None:
    secrets = request.app[config_key].webhooks.pagerduty.secrets
    if not secrets:
        return refuse(401, "unauthorized", "pagerduty webhooks are disabled: set webhooks.pagerduty.secrets")
    if not pagerduty.verify_signature(body, request.headers.get("X-PagerDuty-Signature"), secrets):
        return refuse(401, "unauthorized", "X-PagerDuty-Signature is missing or does not match the body")
    return None


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ValueError("the body nests too deeply to be an alert payload") from None


OUTCOMES = {200: "accepted", 400: "malformed", 401: "unauthorized", 404: "unknown_source", 413: "too_large"}
OUTCOMES |= {422: "invalid", 503: "unavailable"}


async def handle_webhook(request: web.Request) -> web.Response:
    response = await _handle(request)
    source = request.match_info["source"] if request.match_info["source"] in PARSERS else "unknown"
    request.app[metrics_key].webhooks.labels(source, OUTCOMES.get(response.status, "error")).inc()
    return response


async def _handle(request: web.Request) -> web.Response:
    source = request.match_info["source"]
    parse = PARSERS.get(source)
    if parse is None and source == HEARTBEAT:
        return refuse(404, "unknown_source", "a heartbeat beats at /webhooks/heartbeat/<name>: add its name")
    if parse is None:
        known = ", ".join(sorted(PARSERS))
        return refuse(404, "unknown_source", f"there is no /webhooks/{source}; sources are: {known}")
    if source != pagerduty.SOURCE and (refusal := _check_token(request, source)):
        return refusal
    body = await read_limited(request, MAX_BODY_BYTES)
    if isinstance(body, web.Response):
        return body
    if source == pagerduty.SOURCE and (refusal := _check_signature(request, body)):
        return refusal
    try:
        alerts = parse(_decode(body))
    except ValueError as exc:
        return refuse(400, "malformed", str(exc))
    except PayloadError as exc:
        return refuse(422, "invalid_payload", str(exc), field=exc.field)
    if len(alerts) > (limit := request.app[config_key].webhooks.max_alerts_per_delivery):
        return refuse(
            413,
            "too_many_alerts",
            f"the delivery holds {len(alerts):,} alerts, more than webhooks.max_alerts_per_delivery ({limit:,}): "
            "send fewer alerts per request",
        )
    try:
        result = await request.app[alert_ingestion_key].receive(request.app[begin_key], alerts)
    except StoreUnavailable as exc:
        return _unavailable(source, exc)
    log.info(
        "webhook.accepted source=%s alerts=%d changed=%d opened=%s",
        source,
        result.accepted,
        result.changed,
        result.opened,
    )
    return web.json_response(
        {
            "accepted": result.accepted,
            "changed": result.changed,
            "opened": [f"INC-{number}" for number in result.opened],
            "updated": [f"INC-{number}" for number in sorted(result.joined)],
        }
    )


def _unavailable(source: str, exc: StoreUnavailable) -> web.Response:
    log.error("webhook.database_unavailable source=%s error=%s", source, exc.cause)
    response = refuse(503, "unavailable", f"{exc.reason}; nothing was stored, retry later")
    response.headers["Retry-After"] = "5"
    return response


async def handle_heartbeat(request: web.Request) -> web.Response:
    response = await _beat(request)
    request.app[metrics_key].webhooks.labels(HEARTBEAT, OUTCOMES.get(response.status, "error")).inc()
    return response


async def _beat(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if refusal := _check_token(request, HEARTBEAT):
        return refusal
    body = await read_limited(request, MAX_BEAT_BYTES)
    if isinstance(body, web.Response):
        return body
    try:
        beat = await request.app[heartbeats_key].beat(request.app[begin_key], name, utcnow())
    except UserError as exc:  # not a configured heartbeat
        return refuse(404, "unknown_heartbeat", str(exc))
    except StoreUnavailable as exc:
        return _unavailable(HEARTBEAT, exc)
    log.info("webhook.heartbeat name=%s resolved=%s", beat.name, beat.resolved)
    return web.json_response({"heartbeat": beat.name, "resolved": beat.resolved})

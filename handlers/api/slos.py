"""POST /api/v1/slos/{name}/events and GET /api/v1/slos."""

from __future__ import annotations

import json
import logging
import re

from aiohttp import web
from pydantic import ValidationError

from bot.clock import utcnow
from bot.errors import StoreUnavailable, UserError
from bot.keys import begin_key, settings_key, slo_evaluator_key
from bot.slo import events
from bot.slo.history import latest_reports
from bot.slo.models import UnknownSlo
from handlers.auth import check_bearer, refuse
from handlers.bodies import read_limited

log = logging.getLogger("oncall.api")

MAX_BODY_BYTES = 16 * 1024
_SAFE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _authorize(request: web.Request) -> web.Response | None:
    return check_bearer(
        request, request.app[settings_key].webhook_token, disabled="the API is disabled: set WEBHOOK_TOKEN"
    )


def _unavailable() -> web.Response:
    response = refuse(503, "unavailable", "the database is unreachable; retry later")
    response.headers["Retry-After"] = "5"
    return response


def _field_of(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(body)"
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "is not a known field (good, total, at)"
    return field, message


async def handle_slo_events(request: web.Request) -> web.Response:
    if refusal := _authorize(request):
        return refusal
    name = request.match_info["name"]
    try:
        definition = request.app[slo_evaluator_key].get(name)
    except UnknownSlo as exc:
        return refuse(404, "unknown_slo", str(exc))
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _SAFE_KEY.fullmatch(key):
        return refuse(400, "bad_idempotency_key", "Idempotency-Key must be 1 to 128 letters, digits or -_.:")
    raw = await read_limited(request, MAX_BODY_BYTES)
    if isinstance(raw, web.Response):
        return raw
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return refuse(400, "malformed", 'the body is not JSON; send {"good": 990, "total": 1000}')
    try:
        measured = events.EventsIn.model_validate(body)
    except ValidationError as exc:
        field, message = _field_of(exc)
        return refuse(422, "invalid_payload", f"{field} {message}" if field != "(body)" else message, field=field)
    try:
        async with request.app[begin_key]() as (session, _):
            stored = await events.record(
                session=session, definition=definition, events=measured, now=utcnow(), idempotency_key=key
            )
    except events.NotAnEventsSlo as exc:
        return refuse(409, "not_an_events_slo", str(exc))
    except UserError as exc:
        return refuse(422, "invalid_payload", str(exc), field="at")
    except StoreUnavailable as exc:
        log.error("api.database_unavailable error=%s", exc.cause)
        return _unavailable()
    if stored is None:  # the sender's retry of a push already stored: counted once
        return web.json_response(
            {"slo": name, "duplicate": True, "message": f"a push with Idempotency-Key {key} is already recorded"}
        )
    return web.json_response(
        {"slo": name, "good": stored.good, "total": stored.total, "at": stored.at.isoformat()}, status=201
    )


async def handle_slo_reports(request: web.Request) -> web.Response:
    """Every SLO as its latest evaluation found it (the same objects as `oncall-bot slo report --format json`)."""
    if refusal := _authorize(request):
        return refusal
    definitions = request.app[slo_evaluator_key].definitions
    try:
        async with request.app[begin_key]() as (session, _):
            reports = await latest_reports(session=session, definitions=definitions, now=utcnow())
    except StoreUnavailable:
        return _unavailable()
    return web.json_response([report.to_json() for report in reports])

"""Bearer tokens for the alert webhooks and the JSON API, compared in constant time."""

from __future__ import annotations

import hmac

from aiohttp import web


def refuse(status: int, error: str, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": error, "message": message, **extra}, status=status)


def _bearer(request: web.Request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def check_bearer(request: web.Request, expected: str | None, *, disabled: str) -> web.Response | None:
    """None when the request carries `expected`; otherwise the 401 to answer. `disabled` says what to set."""
    if not expected:
        return refuse(401, "unauthorized", disabled)
    given = _bearer(request)
    if given is None:
        return refuse(401, "unauthorized", "send the token as 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return refuse(401, "unauthorized", "the bearer token is wrong")
    return None

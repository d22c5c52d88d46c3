"""The web pages' door: WEB_TOKEN by bearer header, or a session cookie set by /login.

The cookie holds an HMAC of the token, never the token itself, so a stolen cookie does not reveal it
and changing WEB_TOKEN logs everybody out. /login redirects at once, so the token does not stay in
the address bar; logs redact it wherever it appears.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from bot.keys import settings_key
from handlers.web.render import page

COOKIE = "oncall_session"
SESSION_SECONDS = 7 * 24 * 3600


def _session_value(token: str) -> str:
    return hmac.new(token.encode(), b"oncall-bot web session", hashlib.sha256).hexdigest()


def is_signed_in(request: web.Request) -> bool:
    token = request.app[settings_key].web_token
    if not token:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _session_value(token).encode())


def login_page(request: web.Request, *, wrong: bool = False) -> web.Response:
    enabled = bool(request.app[settings_key].web_token)
    return page("login.html.j2", status=401, wrong=wrong, enabled=enabled)


async def handle_login(request: web.Request) -> web.StreamResponse:
    token = request.app[settings_key].web_token
    given = request.query.get("token", "")
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        return login_page(request, wrong=bool(given))
    signed_in = web.HTTPFound("/")
    signed_in.set_cookie(
        COOKIE,
        _session_value(token),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        path="/",
    )
    raise signed_in


async def handle_logout(request: web.Request) -> web.StreamResponse:
    signed_out = web.HTTPFound("/login")
    signed_out.del_cookie(COOKIE, path="/")
    raise signed_out

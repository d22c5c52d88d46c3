"""The web pages' door: a person's session cookie (Sign in with Slack), or WEB_TOKEN as a bearer for automation.

A session knows who is looking, so a private incident's page opens for the members of its channel and
the admins (bot/visibility.py). The bearer names nobody: it sees what an anonymous reader may, public
incidents and SLOs. A wrong bearer counts as a sign-in attempt, so guessing it is rate-limited too.
"""

from __future__ import annotations

import hmac
import ipaddress
import math

from aiohttp import web

from bot.keys import settings_key, web_sessions_key
from bot.visibility import ANONYMOUS, Viewer
from handlers.web.render import page

COOKIE = "oncall_session"
_VIEWER = web.RequestKey("oncall_viewer", Viewer)


def _from_trusted_proxy(request: web.Request) -> bool:
    networks = request.app[settings_key].trusted_networks
    if not networks or request.remote is None:
        return False
    try:
        address = ipaddress.ip_address(request.remote)
    except ValueError:  # a Unix socket: not a proxy we were told about
        return False
    return any(address in network for network in networks)


def client_address(request: web.Request) -> str:
    """The address sign-in attempts are counted by: a trusted proxy's X-Forwarded-For, else the peer."""
    if _from_trusted_proxy(request):
        # The proxy appends the address it saw; anything left of it came from the client and proves nothing.
        forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if forwarded:
            return forwarded[-1]
    return request.remote or "unknown"


def is_https(request: web.Request) -> bool:
    """Whether the browser reached the pages over HTTPS, so cookies are marked Secure."""
    if request.secure or (request.app[settings_key].web_base_url or "").startswith("https://"):
        return True
    return _from_trusted_proxy(request) and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def too_many_attempts(request: web.Request) -> web.Response | None:
    """Count a sign-in attempt; the 429 to answer when this address has made too many."""
    wait = request.app[web_sessions_key].attempt(client_address(request))
    if not wait:
        return None
    seconds = max(1, math.ceil(wait))
    response = page("sign_in_refused.html.j2", status=429, message=f"Too many sign-in attempts: wait {seconds} s.")
    response.headers["Retry-After"] = str(seconds)
    return response


def _bearer(request: web.Request) -> str | None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


async def _resolve(request: web.Request) -> Viewer | None:
    bearer = _bearer(request)
    if bearer is not None:
        token = request.app[settings_key].web_token
        return ANONYMOUS if token and hmac.compare_digest(bearer.encode(), token.encode()) else None
    return await request.app[web_sessions_key].viewer(request.cookies.get(COOKIE, ""))


async def is_signed_in(request: web.Request) -> bool:
    """Whether the request may see the pages; who it is is then `viewer_of(request)`."""
    if _VIEWER not in request:
        viewer = await _resolve(request)
        if viewer is None:
            return False
        request[_VIEWER] = viewer
    return True


async def viewer_of(request: web.Request) -> Viewer:
    """The person looking, for bot/visibility.py; anyone not signed in is anonymous and sees public incidents only."""
    return request[_VIEWER] if await is_signed_in(request) else ANONYMOUS


def login_page(request: web.Request) -> web.Response:
    if _bearer(request) is not None and (refused := too_many_attempts(request)) is not None:
        return refused
    return sign_in_page(request, status=401)


def sign_in_page(request: web.Request, *, status: int = 200) -> web.Response:
    sessions, settings = request.app[web_sessions_key], request.app[settings_key]
    return page("login.html.j2", status=status, sign_in=sessions.enabled, bearer=bool(settings.web_token))

"""GET /login, GET /auth/slack, GET /auth/slack/callback, and GET or POST /logout.

Cookies are HttpOnly (no script reads them), SameSite=Lax (another site's form or image request does
not carry them, so it can neither use a session nor end one), and Secure when the browser is on HTTPS.
Lax rather than Strict because Slack sends the browser back from slack.com: a Strict cookie would be
left out of that navigation, and the sign-in would never see its state.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.errors import SignInRefused
from bot.keys import web_sessions_key
from bot.slack.openid import SIGN_IN_PATH
from handlers.web.auth import COOKIE, is_https, sign_in_page, too_many_attempts
from handlers.web.render import page

log = logging.getLogger("oncall.web")
SIGN_IN_COOKIE = "oncall_sign_in"


def _refused(message: str, *, status: int = 400) -> web.Response:
    return page("sign_in_refused.html.j2", status=status, message=message)


def _set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, **options: object) -> None:
    response.set_cookie(name, value, httponly=True, samesite="Lax", secure=is_https(request), **options)  # type: ignore[arg-type]


async def handle_login(request: web.Request) -> web.StreamResponse:
    """The sign-in page. A `?token=` from an old link is ignored: a secret in an address ends up in logs."""
    return sign_in_page(request)


async def handle_sign_in(request: web.Request) -> web.StreamResponse:
    """Send the browser to Slack with a new state and nonce, remembering the state in a short-lived cookie."""
    if (refused := too_many_attempts(request)) is not None:
        return refused
    try:
        started = await request.app[web_sessions_key].start()
    except SignInRefused as exc:
        return _refused(str(exc), status=503)
    to_slack = web.HTTPFound(started.url)
    _set_cookie(to_slack, request, SIGN_IN_COOKIE, started.state, max_age=600, path=SIGN_IN_PATH)
    raise to_slack


async def handle_callback(request: web.Request) -> web.StreamResponse:
    """Slack sends the browser back here with a code and the state; a session starts if both hold."""
    if (refused := too_many_attempts(request)) is not None:
        return refused
    query = request.query
    if "error" in query:  # the person pressed Cancel on Slack's page, or Slack refused the request
        return _refused(f"Slack did not sign you in ({query['error'][:60]}): sign in again.", status=401)
    sessions = request.app[web_sessions_key]
    try:
        key, _ = await sessions.finish(
            state=query.get("state", ""),
            browser_state=request.cookies.get(SIGN_IN_COOKIE, ""),
            code=query.get("code", ""),
        )
    except SignInRefused as exc:
        # The state cookie stays: a forged callback must not cancel the sign-in this browser has under way.
        log.info("web.sign_in_refused reason=%s", exc)
        return _refused(str(exc), status=403)
    if previous := request.cookies.get(COOKIE):  # signing in again (as someone else, maybe) ends the old session
        await sessions.end(previous)
    # 303, not 302: the browser forgets this address (with its code) and asks for / afresh.
    signed_in = web.HTTPSeeOther("/")
    signed_in.del_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)
    lifetime = sessions.lifetimes.absolute
    _set_cookie(signed_in, request, COOKIE, key, max_age=int(lifetime.total_seconds()), path="/")
    raise signed_in


async def handle_logout(request: web.Request) -> web.StreamResponse:
    """The session ends on the server, not only in this browser: a copy of the cookie opens nothing after."""
    key = request.cookies.get(COOKIE, "")
    if key:
        await request.app[web_sessions_key].end(key)
    signed_out = web.HTTPSeeOther("/login")
    signed_out.del_cookie(COOKIE, path="/")
    raise signed_out

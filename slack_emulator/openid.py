"""Sign in with Slack, Slack's side: the authorize page, `openid.connect.token` and `openid.connect.userInfo`.

The authorize page signs in whoever the emulated browser is signed in to Slack as (`sign_in_as`, by
default the workspace's first person) without asking, and sends the browser back with a code and the
state. Tests may name someone else with `login_as=U…` (and `login_team=T…` for a person of another
workspace) on the authorize address, as a person would by signing in to Slack as someone else.

Slack signs its id_tokens with RS256 keys it publishes; the emulator signs them with HS256 and the
client secret. The bot checks no signature (bot/slack/openid.py says why), so either serves.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt

from slack_emulator.state import SlackApiFailure
from slack_emulator.workspace import Workspace

CODE_SECONDS = 600  # Slack's codes expire after ten minutes
ID_TOKEN_SECONDS = 3600
ISSUER = "https://slack.com"


@dataclass
class _Grant:
    user: str
    team: str
    nonce: str | None
    redirect_uri: str
    at: float


class OpenIdProvider:
    def __init__(self, workspace: Workspace, *, client_id: str, client_secret: str) -> None:
        self.ws, self.client_id, self.client_secret = workspace, client_id, client_secret
        # The app's Redirect URLs (OAuth & Permissions); empty: any is accepted, as for a new app in tests.
        self.redirect_urls: set[str] = set()
        self.browser_user: str | None = None  # who the browser is signed in to Slack as
        self._grants: dict[str, _Grant] = {}
        self._tokens: dict[str, tuple[str, str]] = {}  # access token → (user, team)

    # --- the authorize page -------------------------------------------------------------------------
    def authorize(self, query: Mapping[str, str]) -> tuple[int, str]:
        """(302, where the browser goes next) or (400, the error Slack's page would show)."""
        if query.get("client_id") != self.client_id:
            return 400, "invalid_client_id"
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri or (self.redirect_urls and not any(redirect_uri.startswith(u) for u in self.redirect_urls)):
            return 400, "bad_redirect_uri"
        back = {"state": query["state"]} if "state" in query else {}
        if query.get("response_type") != "code":
            return 302, _with(redirect_uri, error="unsupported_response_type", **back)
        if "openid" not in re.split(r"[ ,]+", query.get("scope", "")):
            return 302, _with(redirect_uri, error="invalid_scope", **back)
        user, team = query.get("login_as") or self._browser_user(), query.get("login_team") or self.ws.team_id
        if team == self.ws.team_id and user not in self.ws.users:
            return 400, "user_not_found"
        code = f"{int(time.time())}.{secrets.token_hex(16)}"
        self._grants[code] = _Grant(user, team, query.get("nonce"), redirect_uri, time.monotonic())
        return 302, _with(redirect_uri, code=code, **back)

    def _browser_user(self) -> str:
        if self.browser_user is not None:
            return self.browser_user
        return next(user.id for user in self.ws.users.values() if not user.is_bot)

    # --- the Web API ----------------------------------------------------------------------------
    def connect_token(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("client_id") != self.client_id:
            raise SlackApiFailure("invalid_client_id")
        if args.get("client_secret") != self.client_secret:
            raise SlackApiFailure("bad_client_secret")
        grant_type = args.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            raise SlackApiFailure("invalid_refresh_token")  # the emulator issues no refresh tokens
        if grant_type != "authorization_code":
            raise SlackApiFailure("unsupported_grant_type")
        grant = self._grants.pop(str(args.get("code", "")), None)  # a code works once
        if grant is None or time.monotonic() - grant.at > CODE_SECONDS:
            raise SlackApiFailure("invalid_code")
        if args.get("redirect_uri") != grant.redirect_uri:
            raise SlackApiFailure("bad_redirect_uri")
        token = f"xoxp-{secrets.token_hex(12)}"
        self._tokens[token] = (grant.user, grant.team)
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": self.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
            "auth_time": now,
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **self._person(grant.user, grant.team),
        }
        id_token = jwt.encode(claims, self.client_secret, algorithm="HS256")
        return {"access_token": token, "token_type": "Bearer", "id_token": id_token}

    def connect_userInfo(self, args: dict[str, Any]) -> dict[str, Any]:
        user, team = self._tokens[str(args["token"])]
        return self._person(user, team)

    def knows_token(self, token: str) -> bool:
        return token in self._tokens

    def _person(self, user_id: str, team: str) -> dict[str, Any]:
        user = self.ws.users.get(user_id) if team == self.ws.team_id else None
        name = user.real_name if user is not None else user_id
        handle = user.name if user is not None else user_id.lower()
        return {
            "sub": user_id,
            "https://slack.com/user_id": user_id,
            "https://slack.com/team_id": team,
            "email": f"{handle}@emulated.example",
            "email_verified": True,
            "name": name,
            "given_name": name.split(" ")[0],
            "locale": "en-US",
            "https://slack.com/team_name": "Emulated" if team == self.ws.team_id else "Elsewhere",
        }


def _with(url: str, **query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"

"""Sign in with Slack (OpenID Connect): where to send a person, and who Slack says came back.

The person's browser goes to Slack's authorize page with a state and a nonce; Slack sends it back to
`<WEB_BASE_URL>/auth/slack/callback` with a code, which `openid.connect.token` exchanges (with the
app's client secret) for an id_token naming the person and their workspace.

The id_token's signature is not checked: it comes straight from Slack's token endpoint over TLS, in
answer to a request authenticated with the client secret, which OpenID Connect Core 1.0 §3.1.3.7
allows in place of the signature. Its issuer, audience, expiry and nonce are checked.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp
import jwt
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator
from slack_sdk.web.async_client import AsyncWebClient

from bot import texts
from bot.errors import SignInRefused

SCOPES = ("openid", "profile", "email")
# Where the web pages start a sign-in, and where Slack sends people back (manifest and routes agree).
SIGN_IN_PATH = "/auth/slack"
CALLBACK_PATH = f"{SIGN_IN_PATH}/callback"
ISSUER = "https://slack.com"
TEAM_CLAIM, USER_CLAIM = "https://slack.com/team_id", "https://slack.com/user_id"
CLOCK_SKEW_SECONDS = 60
# slack_sdk logs each request's arguments and each answer at DEBUG: here those are the one-time code and
# the person's tokens, so this client's logger never goes below INFO, whatever LOG_LEVEL says.
_QUIET = logging.getLogger("oncall.slack.sign_in")
_QUIET.setLevel(logging.INFO)


@dataclass(frozen=True)
class SlackIdentity:
    user_id: str
    team_id: str
    name: str


class SlackOpenId:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str, api_url: str) -> None:
        self._client_id, self._client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        # Slack's authorize page is beside its Web API: https://slack.com/openid/connect/authorize.
        self._authorize = OpenIDConnectAuthorizeUrlGenerator(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=list(SCOPES),
            authorization_url=urljoin(api_url, "/openid/connect/authorize"),
        )
        self._client = AsyncWebClient(token=None, base_url=api_url, timeout=10, logger=_QUIET)

    def authorize_url(self, *, state: str, nonce: str, team: str) -> str:
        """`team` skips Slack's workspace picker; the callback still checks the team Slack answers with."""
        return self._authorize.generate(state, nonce=nonce, team=team)

    async def identity(self, code: str, *, nonce: str) -> SlackIdentity:
        try:
            # The client credentials go in the form, as Slack documents them: slack_sdk's own helper sends them
            # with aiohttp's BasicAuth, which aiohttp has deprecated.
            answer = await self._client.api_call(
                "openid.connect.token",
                data={
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                    "code": code,
                    "redirect_uri": self.redirect_uri,
                },
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
            raise SignInRefused(texts.web.slack_refused(error)) from None
        except (aiohttp.ClientError, TimeoutError):
            raise SignInRefused(texts.web.SLACK_UNREACHABLE_AT_FINISH) from None
        claims = self._claims(str(answer.get("id_token", "")))
        if not hmac.compare_digest(str(claims["nonce"]).encode(), nonce.encode()):
            raise SignInRefused(texts.web.ANSWER_FOR_ANOTHER_SIGN_IN)
        team, user = claims.get(TEAM_CLAIM), claims.get(USER_CLAIM) or claims["sub"]
        if not team or not user:
            raise SignInRefused(texts.web.ANSWER_NAMES_NOBODY)
        return SlackIdentity(user_id=str(user), team_id=str(team), name=str(claims.get("name") or user))

    def _claims(self, id_token: str) -> dict[str, object]:
        try:
            return jwt.decode(
                id_token,
                options={
                    "verify_signature": False,  # see the module's docstring
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "require": ["iss", "aud", "exp", "iat", "sub", "nonce"],
                },
                audience=self._client_id,
                issuer=ISSUER,
                leeway=CLOCK_SKEW_SECONDS,
            )
        except jwt.InvalidTokenError as exc:
            raise SignInRefused(texts.web.unreadable_answer(exc)) from None

"""The emulator's Sign in with Slack is as strict as Slack's: its authorize page, openid.connect.token and userInfo."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from aiohttp import ClientSession, encode_basic_auth
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import SlackEmulator

REDIRECT = "https://oncall.example.com/auth/slack/callback"
ERRORS = json.loads(resources.files("slack_emulator").joinpath("methods.json").read_text())["methods"]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator(scopes=REQUIRED_SCOPES, signing_secret="emulator-test-secret")
    await emulator.start()
    emulator.add_user("alice", real_name="Alice Smith")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def browser() -> AsyncIterator[ClientSession]:
    async with ClientSession() as http:
        yield http


async def authorize(slack: SlackEmulator, browser: ClientSession, **changes: str) -> tuple[int, str]:
    """Visit the authorize page: (status, where it sends the browser, or the error it shows)."""
    query = {
        "response_type": "code",
        "scope": "openid,profile,email",
        "client_id": slack.client_id,
        "state": "the-state",
        "nonce": "the-nonce",
        "redirect_uri": REDIRECT,
        **changes,
    }
    url = f"{slack.base_url}openid/connect/authorize?{urlencode({k: v for k, v in query.items() if v})}"
    async with browser.get(url, allow_redirects=False) as response:
        return response.status, response.headers.get("Location", "") or await response.text()


def code_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


async def exchange(slack: SlackEmulator, **args: str) -> dict[str, Any]:
    client = AsyncWebClient(token=None, base_url=slack.api_url)
    sent = {"client_id": slack.client_id, "client_secret": slack.client_secret, "redirect_uri": REDIRECT, **args}
    answer = await client.api_call("openid.connect.token", data={k: v for k, v in sent.items() if v})
    return dict(answer.data) if isinstance(answer.data, dict) else {}


async def refused(slack: SlackEmulator, method: str, **args: str) -> str:
    with pytest.raises(SlackApiError) as caught:
        await exchange(slack, **args)
    error = str(caught.value.response["error"])
    assert error in ERRORS[method]["errors"], error  # an error Slack documents for the method
    return error


async def test_a_sign_in_names_the_person_and_the_workspace_and_carries_the_nonce(
    slack: SlackEmulator, browser: ClientSession
) -> None:
    status, location = await authorize(slack, browser)
    assert status == 302 and location.startswith(REDIRECT + "?")
    assert parse_qs(urlsplit(location).query)["state"] == ["the-state"]

    answer = await exchange(slack, code=code_of(location))
    claims = jwt.decode(answer["id_token"], options={"verify_signature": False})
    alice = next(user.id for user in slack.users.values() if user.name == "alice")
    assert claims["iss"] == "https://slack.com" and claims["aud"] == slack.client_id
    assert claims["nonce"] == "the-nonce" and claims["sub"] == alice and claims["name"] == "Alice Smith"
    assert claims["https://slack.com/team_id"] == slack.team_id and claims["exp"] > claims["iat"]

    info = await AsyncWebClient(token=answer["access_token"], base_url=slack.api_url).openid_connect_userInfo()
    assert info["sub"] == alice and info["https://slack.com/team_id"] == slack.team_id
    with pytest.raises(SlackApiError) as caught:
        await AsyncWebClient(token=slack.bot_token, base_url=slack.api_url).openid_connect_userInfo()
    assert caught.value.response["error"] == "invalid_auth"


async def test_the_authorize_page_refuses_what_slacks_refuses(slack: SlackEmulator, browser: ClientSession) -> None:
    assert await authorize(slack, browser, client_id="1.2") == (400, _page("invalid_client_id"))
    assert await authorize(slack, browser, redirect_uri="") == (400, _page("bad_redirect_uri"))
    slack.openid.redirect_urls.add(REDIRECT)
    assert await authorize(slack, browser, redirect_uri="https://evil.example/cb") == (400, _page("bad_redirect_uri"))
    assert await authorize(slack, browser, scope="profile") == (302, f"{REDIRECT}?error=invalid_scope&state=the-state")


def _page(error: str) -> str:
    return f"<html><body><h1>Sign in with Slack</h1><p>{error}</p></body></html>"


async def test_the_code_exchange_checks_the_client_the_code_and_the_redirect(
    slack: SlackEmulator, browser: ClientSession
) -> None:
    method = "openid.connect.token"
    code = code_of((await authorize(slack, browser))[1])
    assert await refused(slack, method, code=code, client_id="1.2") == "invalid_client_id"
    assert await refused(slack, method, code=code, client_secret="not-it") == "bad_client_secret"
    assert await refused(slack, method, code="made-up") == "invalid_code"
    # a code is spent by the first exchange of the right client, even one refused for its redirect URL
    assert await refused(slack, method, code=code, redirect_uri="https://oncall.example.com/else") == "bad_redirect_uri"
    assert await refused(slack, method, code=code) == "invalid_code"

    fresh = code_of((await authorize(slack, browser))[1])
    await exchange(slack, code=fresh)
    assert await refused(slack, method, code=fresh) == "invalid_code"


async def test_client_credentials_may_come_as_basic_auth(slack: SlackEmulator, browser: ClientSession) -> None:
    code = code_of((await authorize(slack, browser))[1])
    headers = {"Authorization": encode_basic_auth(slack.client_id, slack.client_secret)}
    form = {"code": code, "redirect_uri": REDIRECT}
    async with browser.post(f"{slack.api_url}openid.connect.token", data=form, headers=headers) as response:
        answer = await response.json()
    assert answer["ok"] is True and answer["id_token"]

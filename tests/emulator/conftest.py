"""An emulator installed with every scope the bot asks for, and slack_sdk's client talking to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from tests.helpers import running_emulator

SECRET = "emulator-test-secret"


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with running_emulator(SECRET) as emulator:
        yield emulator


@pytest.fixture
async def client(slack: SlackEmulator) -> AsyncIterator[AsyncWebClient]:
    web_client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    yield web_client
    if web_client.session is not None:
        await web_client.session.close()


async def refused(call: Awaitable[Any]) -> str:
    """The `error` of a call Slack refuses."""
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])

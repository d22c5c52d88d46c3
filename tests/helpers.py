"""Small helpers for tests: waiting on conditions with a deadline instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar, cast, overload

from bot.config.schema import parse_config
from bot.errors import SettingsError
from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import SlackEmulator
from slack_emulator.pagerduty import PagerDutyEmulator

T = TypeVar("T")


# Two shapes, so the caller gets back what its check returns whether the check is async or not.
@overload
async def eventually(check: Callable[[], Awaitable[T]], *, within: float = 10.0, interval: float = 0.05) -> T: ...
@overload
async def eventually(check: Callable[[], T], *, within: float = 10.0, interval: float = 0.05) -> T: ...
async def eventually(
    check: Callable[[], Awaitable[T]] | Callable[[], T], *, within: float = 10.0, interval: float = 0.05
) -> T:
    """Call `check` until it returns a truthy value without raising AssertionError; return that value."""
    deadline = time.monotonic() + within
    while True:
        try:
            returned = check()
            result = cast(T, await returned) if isinstance(returned, Awaitable) else returned
            if result:
                return result
            failure: Exception = AssertionError(f"condition still false after {within}s")
        except AssertionError as exc:
            failure = exc
        if time.monotonic() > deadline:
            raise failure
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running_emulator(signing_secret: str) -> AsyncIterator[SlackEmulator]:
    """The emulated Slack on a free port, installed with every scope manifest.yml asks for."""
    emulator = SlackEmulator(scopes=REQUIRED_SCOPES, signing_secret=signing_secret)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@contextlib.asynccontextmanager
async def running_pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    """PagerDuty's Events API v2, emulated on a free port."""
    emulator = PagerDutyEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


def config_refusal(text: str) -> str:
    """The one line a bad ONCALL_CONFIG text stops the bot with (AssertionError if it is more, or none)."""
    try:
        parse_config(text)
    except SettingsError as exc:
        lines = str(exc).splitlines()
        assert len(lines) == 1, lines
        return lines[0]
    raise AssertionError(f"the config was accepted: {text!r}")

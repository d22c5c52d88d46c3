"""The PagerDuty emulator answers POST /v2/enqueue with the shapes PagerDuty's Events API v2 documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from slack_emulator.pagerduty import PagerDutyEmulator
from tests.helpers import running_pagerduty

KEY = "R0123456789ABCDEF0123456789ABCDE"  # 32 characters, as PagerDuty's integration keys are


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    async with running_pagerduty() as emulator:
        yield emulator


async def send(pagerduty: PagerDutyEmulator, event: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(pagerduty.events_url, json=event) as response:
        return response.status, await response.json()


def trigger(**changes: Any) -> dict[str, Any]:
    event = {
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": "oncall-bot-INC-1",
        "payload": {"summary": "INC-1 Checkout is down (SEV1)", "source": "checkout", "severity": "critical"},
    }
    return event | changes


async def test_a_valid_trigger_is_processed_and_names_its_dedup_key(pagerduty: PagerDutyEmulator) -> None:
    assert await send(pagerduty, trigger()) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "oncall-bot-INC-1"},
    )
    status, body = await send(pagerduty, trigger(dedup_key=None))
    assert status == 202 and len(body["dedup_key"]) == 32  # PagerDuty makes one up when none is given
    assert pagerduty.alerts["oncall-bot-INC-1"].status == "triggered"


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (trigger(routing_key=None), "'routing_key' is missing or blank"),
        (trigger(routing_key="short"), "Length of 'routing_key' is incorrect (should be 32 characters)"),
        (trigger(event_action=None), "'event_action' is missing or blank"),
        (trigger(event_action="page"), "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"),
        (trigger(payload=None), "'payload' is missing or blank"),
        (trigger(payload={"source": "s", "severity": "info"}), "'payload.summary' is missing or blank"),
        (trigger(payload={"summary": "s", "severity": "info"}), "'payload.source' is missing or blank"),
        (trigger(payload={"summary": "s", "source": "s"}), "'payload.severity' is missing or blank"),
        (
            trigger(payload={"summary": "s", "source": "s", "severity": "sev1"}),
            "'payload.severity' is invalid (must be one of: critical, error, warning, info)",
        ),
        ({"routing_key": KEY, "event_action": "resolve"}, "'dedup_key' is missing or blank"),
    ],
)
async def test_an_invalid_event_is_refused_with_400_naming_what_is_wrong(
    pagerduty: PagerDutyEmulator, event: dict[str, Any], error: str
) -> None:
    status, body = await send(pagerduty, {k: v for k, v in event.items() if v is not None})
    assert status == 400
    assert body == {"status": "invalid event", "message": "Event object is invalid", "errors": [error]}
    assert pagerduty.events == []


async def test_follow_ups_apply_to_the_open_alert_and_a_trigger_after_resolve_opens_a_new_one(
    pagerduty: PagerDutyEmulator,
) -> None:
    follow_up = {"routing_key": KEY, "dedup_key": "oncall-bot-INC-1"}
    assert (await send(pagerduty, follow_up | {"event_action": "acknowledge"}))[0] == 202  # nothing open: dropped
    assert "oncall-bot-INC-1" not in pagerduty.alerts
    await send(pagerduty, trigger())
    await send(pagerduty, trigger())  # de-duplicated into the open alert
    await send(pagerduty, follow_up | {"event_action": "acknowledge"})
    assert pagerduty.alerts["oncall-bot-INC-1"].status == "acknowledged"
    assert len(pagerduty.alerts["oncall-bot-INC-1"].events) == 3
    await send(pagerduty, follow_up | {"event_action": "resolve"})
    assert pagerduty.alerts["oncall-bot-INC-1"].status == "resolved"
    await send(pagerduty, trigger())
    assert pagerduty.alerts["oncall-bot-INC-1"].status == "triggered"
    assert len(pagerduty.alerts["oncall-bot-INC-1"].events) == 1


async def test_fail_next_answers_an_outage_or_a_throttle_without_taking_the_event(
    pagerduty: PagerDutyEmulator,
) -> None:
    pagerduty.fail_next(503)
    pagerduty.fail_next(429)
    assert (await send(pagerduty, trigger()))[0] == 503
    assert await send(pagerduty, trigger()) == (429, {"status": "throttle event", "message": "Too many requests"})
    assert pagerduty.events == [] and pagerduty.requests == 2
    assert (await send(pagerduty, trigger()))[0] == 202
    assert pagerduty.actions() == ["trigger"]

"""Pushed SLO measurements as a real sender sends them: retried, chunked, and sometimes wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from storage.tables import SloEvent
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace

CONFIG = """
slos:
  - name: checkout-requests
    service: checkout
    objective: 99.9%
    window: 28d
    source: {type: events}
"""
AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
URL = "/api/v1/slos/checkout-requests/events"


async def _stored(workspace: Workspace) -> list[tuple[int, int]]:
    async with workspace.database.transaction() as session:
        return [(event.good, event.total) for event in (await session.exec(select(SloEvent))).all()]


async def _push(workspace: Workspace, body: Any, **headers: str) -> tuple[int, Any]:
    async with workspace.client.post(URL, json=body, headers=AUTH | headers) as response:
        return response.status, await response.json()


async def test_a_retried_push_with_its_idempotency_key_counts_once(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    first = await _push(workspace, {"good": 990, "total": 1000}, **{"Idempotency-Key": "push-2026-12-03T10:00"})
    retry = await _push(workspace, {"good": 990, "total": 1000}, **{"Idempotency-Key": "push-2026-12-03T10:00"})
    other = await _push(workspace, {"good": 5, "total": 5}, **{"Idempotency-Key": "push-2026-12-03T10:01"})
    assert first[0] == 201 and other[0] == 201
    assert retry[0] == 200 and retry[1]["duplicate"] is True
    assert await _stored(workspace) == [(990, 1000), (5, 5)]
    status, body = await _push(workspace, {"good": 1, "total": 1}, **{"Idempotency-Key": "has space"})
    assert status == 400 and "Idempotency-Key" in body["message"]


async def test_counts_beyond_the_counters_range_are_refused_with_422(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    for body in ({"good": 2**31, "total": 2**31}, {"good": 1, "total": 2**63}):
        status, answer = await _push(workspace, body)
        assert status == 422, answer
        assert "less than or equal to 2147483647" in answer["message"]
    assert await _stored(workspace) == []
    # Evaluations still work afterwards (two pushes near 2**63 used to break every later one on SQLite).
    assert (await _push(workspace, {"good": 2**31 - 1, "total": 2**31 - 1}))[0] == 201
    async with workspace.database.transaction() as session:
        assert (await session.exec(select(func.sum(SloEvent.total)))).one() == 2**31 - 1


async def test_the_size_limit_holds_for_a_chunked_body(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"good": 1, "total": 1, "padding": "'
        for _ in range(64):
            yield b"x" * 1024
        yield b'"}'

    async with workspace.client.post(URL, data=chunks(), headers=AUTH) as response:  # no Content-Length
        assert response.status == 413
        assert "larger than 16 KiB" in (await response.json())["message"]
    assert await _stored(workspace) == []

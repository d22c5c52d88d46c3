"""Clients that open connections and never finish a request: `serve` closes them and keeps answering.

The finding (issue 18): 1,100 connections that never finished their headers were never timed out;
they starved the database pool while /healthz stayed 200.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from slack_emulator import SlackEmulator
from tests.e2e.bot_process import BotProcess, free_port, running, serve_environment
from tests.e2e.conftest import WEBHOOK_TOKEN

TIMEOUT_SECONDS = 2
SLOW_CLIENTS = 300


@pytest.fixture
async def bot(tmp_path: Path, slack: SlackEmulator) -> AsyncIterator[BotProcess]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}"
    env = serve_environment(database_url=database_url, port=free_port(), slack=slack) | {
        "HTTP_READ_TIMEOUT": str(TIMEOUT_SECONDS)
    }
    async with running(BotProcess("bot", env, tmp_path)) as (process,):
        yield process


async def _open(port: int, first_bytes: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(first_bytes)
    await writer.drain()
    return reader, writer


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bytes:
    """What the server sent before closing: it must close within `within` seconds."""
    return await asyncio.wait_for(reader.read(), timeout=within)


async def test_unfinished_headers_and_trickled_bodies_are_cut_off_while_the_bot_keeps_answering(
    bot: BotProcess, tmp_path: Path
) -> None:
    headers_only = b"POST /webhooks/generic HTTP/1.1\r\nHost: bot\r\nX-Slow: "
    stalled = [await _open(bot.port, headers_only) for _ in range(SLOW_CLIENTS)]
    body = json.dumps({"title": "Disk almost full", "fingerprint": "disk-1"}).encode()
    trickle, trickle_writer = await _open(
        bot.port,
        b"POST /webhooks/generic HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {WEBHOOK_TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body[:5],
    )

    # Meanwhile everyone else is served: a webhook is stored, and readiness (a database write) holds.
    async with aiohttp.ClientSession() as http:
        async with http.post(
            bot.url("/webhooks/generic"),
            json={"title": "Checkout errors", "fingerprint": "checkout-1"},
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        ) as response:
            assert response.status == 200, await response.text()
        async with http.get(bot.url("/readyz")) as response:
            assert response.status == 200, await response.text()

    answer = await asyncio.wait_for(trickle.readuntil(b"\r\n"), timeout=TIMEOUT_SECONDS + 10)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    leftovers = await asyncio.gather(*(_closed_by_server(r, within=TIMEOUT_SECONDS + 10) for r, _ in stalled))
    assert all(not sent or b" 408 " not in sent for sent in leftovers)  # closed: the request never began
    for _, writer in [*stalled, (trickle, trickle_writer)]:
        writer.close()

    with sqlite3.connect(tmp_path / "oncall.db") as db:
        titles = [row[0] for row in db.execute("SELECT summary FROM alerts")]
    assert titles == ["Checkout errors"]  # the trickled alert was never half-stored

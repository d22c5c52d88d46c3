"""Socket Mode: Slack's side of the WebSocket a bot opens when it has an app-level token.

The bot calls apps.connections.open (with its `xapp-` token), connects to the URL it gets, receives
`hello`, then envelopes (events_api, slash_commands, interactive) that it must acknowledge with the
envelope id within 3 seconds, optionally with a response payload (the slash command's reply).
See https://api.slack.com/apis/socket-mode
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from slack_emulator.state import Delivery

ENVELOPE_TYPES = {"event": "events_api", "command": "slash_commands", "interactive": "interactive"}
ACK_WITHIN = 3.0


class SocketModeHub:
    def __init__(self, app_id: str) -> None:
        self._app_id = app_id
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.envelopes_sent = 0

    @property
    def is_connected(self) -> bool:
        return any(not socket.closed for socket in self._sockets)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=None)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "emulator", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self._app_id},
            }
        )
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._acknowledged(message.data)
        finally:
            self._sockets.remove(socket)
        return socket

    def _acknowledged(self, text: str) -> None:
        with contextlib.suppress(ValueError, TypeError):
            ack = json.loads(text)
            waiting = self._acks.get(str(ack.get("envelope_id")))
            if waiting is not None and not waiting.done():
                waiting.set_result(ack)

    async def deliver(self, kind: str, body: dict[str, Any]) -> Delivery:
        """Send one envelope on an open connection and wait for its acknowledgement."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": ENVELOPE_TYPES[kind],
            "payload": body,
            "accepts_response_payload": kind != "event",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        socket = next(socket for socket in self._sockets if not socket.closed)
        waiting: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = waiting
        started = time.monotonic()
        data = json.dumps(envelope).encode()
        try:
            await socket.send_str(data.decode())
            self.envelopes_sent += 1
            # Slack gives up after 3 s; waiting longer lets a test see how late an ack was.
            ack = await asyncio.wait_for(waiting, ACK_WITHIN * 10)
        except (TimeoutError, ConnectionError) as exc:
            return Delivery(kind, data, {}, 0, str(exc).encode(), time.monotonic() - started)
        finally:
            self._acks.pop(envelope_id, None)
        answer = json.dumps(ack.get("payload")).encode() if ack.get("payload") is not None else b""
        return Delivery(kind, data, {"envelope_id": envelope_id}, 200, answer, time.monotonic() - started)

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()

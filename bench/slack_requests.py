"""Requests signed exactly as Slack signs them: slash commands (form-encoded) and Events API envelopes (JSON).

Signed with the emulator's own `sign` and `encode` (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`, sent as
`X-Slack-Signature` with `X-Slack-Request-Timestamp`; https://api.slack.com/authentication/verifying-requests-from-slack),
and all signed up front, so the load generator spends no CPU on HMACs. Bolt refuses a timestamp more
than five minutes old, so sign just before use, not once per run.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_emulator.delivery import encode, sign

TEAM_ID = "T0EMULATOR"  # the bundled emulator's team
APP_ID = "A0EMULATOR"


@dataclass(frozen=True)
class Signed:
    """A list of request bodies and, for each, the headers Slack would send with it."""

    bodies: list[bytes]
    headers: list[dict[str, str]]


def _signed(kind: str, payloads: Sequence[dict[str, Any]], secret: str) -> Signed:
    stamp = int(time.time())
    bodies, headers = [], []
    for payload in payloads:
        body, content_type = encode(kind, payload)
        bodies.append(body)
        headers.append(
            {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(stamp),
                "X-Slack-Signature": sign(secret, stamp, body),
            }
        )
    return Signed(bodies, headers)


def slash_commands(
    secret: str, *, command: str, text: str, channel_id: str, users: Sequence[str], count: int = 1
) -> Signed:
    """`count` invocations of `command text` by `users` in turn, each with its own trigger_id, as Slack sends them."""
    payloads = [
        {
            "token": "bench-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "emulated",
            "channel_id": channel_id,
            "channel_name": "incidents",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/{TEAM_ID}/{number}/bench",
            "trigger_id": f"{int(time.time())}.{number}.bench",
        }
        for number, user in zip(range(count), itertools.cycle(users))
    ]
    return _signed("command", payloads, secret)


def app_home_opens(secret: str, *, users: Sequence[str], bot_user_id: str, count: int) -> Signed:
    """`count` app_home_opened envelopes, people opening the bot's Home tab in turn, each its own event_id."""
    now = int(time.time())
    envelopes = []
    for number, user in zip(range(count), itertools.cycle(users)):
        ts = f"{now}.{number:06d}"
        event = {"type": "app_home_opened", "user": user, "channel": f"D0{user}", "tab": "home", "event_ts": ts}
        envelopes.append(
            {
                "token": "bench-verification-token",
                "team_id": TEAM_ID,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev0HOME{now}{number:06d}",
                "event_time": now,
                "authorizations": [{"team_id": TEAM_ID, "user_id": bot_user_id, "is_bot": True}],
            }
        )
    return _signed("event", envelopes, secret)


class MessageEvents:
    """`message` event_callback envelopes from people in one channel; every one a new event_id and ts."""

    def __init__(self, secret: str, *, channel_id: str, users: Sequence[str], bot_user_id: str) -> None:
        self._secret, self._channel_id, self._users, self._bot_user_id = secret, channel_id, users, bot_user_id
        self._numbers = itertools.count()
        self._first_microsecond = time.time_ns() // 1000

    def next(self, count: int) -> Signed:
        """`count` messages not sent before; their ts are a microsecond apart, in order."""
        return _signed("event", [self._envelope(next(self._numbers)) for _ in range(count)], self._secret)

    def _envelope(self, number: int) -> dict[str, Any]:
        # Integer microseconds: float arithmetic near 1.8e9 rounds some 1 µs steps onto the same ts.
        seconds, microseconds = divmod(self._first_microsecond + number, 1_000_000)
        ts = f"{seconds}.{microseconds:06d}"
        user = self._users[number % len(self._users)]
        event = {
            "type": "message",
            "channel": self._channel_id,
            "user": user,
            "text": f"error rate on pod-{number % 40} is {number % 97}% — restarting it, see <https://grafana.example/d/{number}|dashboard>",
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
            "team": TEAM_ID,
            "client_msg_id": f"bench-{number:08d}",
        }
        return {
            "token": "bench-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev0BENCH{number:010d}",
            "event_time": seconds,
            "authorizations": [{"team_id": TEAM_ID, "user_id": self._bot_user_id, "is_bot": True}],
            "is_ext_shared_channel": False,
            "event_context": f"4-bench-{self._channel_id}",
        }

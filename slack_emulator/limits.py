"""Slack's rate limits (per method tier, and about one message per second per channel) and injected faults."""

from __future__ import annotations

import time
from dataclasses import dataclass

# https://api.slack.com/apis/rate-limits : tier 1 ~1/min, 2 ~20/min, 3 ~50/min, 4 ~100/min
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "conversations.create": 2,
    "conversations.invite": 3,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "conversations.archive": 2,
    "conversations.list": 2,
    "conversations.info": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.join": 3,
    "conversations.members": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "bookmarks.add": 2,
    "bookmarks.list": 3,
    "bookmarks.remove": 2,
    "conversations.open": 3,
    "pins.add": 2,
    "pins.remove": 2,
    "reactions.add": 3,
    "users.info": 4,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "usergroups.users.update": 2,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "apps.connections.open": 1,
    "auth.test": 4,
}
POSTS_PER_SECOND_PER_CHANNEL, POST_BURST = 1.0, 10


class Bucket:
    """A token bucket: `capacity` calls at once, refilled at `rate` per second."""

    def __init__(self, capacity: float, rate: float) -> None:
        self.capacity, self.rate, self.tokens, self.at = capacity, rate, capacity, time.monotonic()

    def take(self) -> float:
        """0 when allowed, else the seconds until a call would be."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}

    def wait_for(self, method: str, channel: str | None) -> float:
        if method == "chat.postMessage":
            key, capacity, rate = f"post:{channel}", POST_BURST, POSTS_PER_SECOND_PER_CHANNEL
        else:
            per_minute = TIER_PER_MINUTE[METHOD_TIERS.get(method, 3)]
            key, capacity, rate = method, per_minute, per_minute / 60
        bucket = self._buckets.setdefault(key, Bucket(capacity, rate))
        return bucket.take()


@dataclass
class Fault:
    kind: str  # "fail", "rate_limit" or "delay"
    times: int
    status: int = 503
    html: bool = False
    retry_after: int = 1
    seconds: float = 0.0
    after_commit: bool = False


class Faults:
    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        self._queued.setdefault(method, []).append(fault)

    def clear(self, method: str) -> None:
        self._queued.pop(method, None)

    def next(self, method: str) -> Fault | None:
        queue = self._queued.get(method) or []
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

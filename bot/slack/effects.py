"""Posting from the outbox at most once, and the one effect about no domain: a message to a channel or a person."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates, nothing_to_remember
from bot.slack.gateway import SlackGateway
from storage.tables import OutboxEntry

log = logging.getLogger("oncall.outbox")

# A lost reply can only hide a message posted by an attempt at this entry, so never before it was stored.
CLOCK_SKEW_SECONDS = 120
# The metadata event type of every message the outbox posts: it names the entry that posted it.
OUTBOX_EVENT = "oncall_outbox_entry"


async def post_once(
    gateway: SlackGateway,
    entry: OutboxEntry,
    channel: str,
    *,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
) -> str:
    """Post, unless an earlier attempt at this entry already did: its reply may have been lost, or the
    process may have died before recording it. Each post carries the entry id in its metadata."""
    metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"entry": entry.id}}
    if entry.attempts > 0:
        oldest = entry.created_at.timestamp() - CLOCK_SKEW_SECONDS
        found = await gateway.find_message(channel, metadata=metadata, oldest=oldest, thread_ts=thread_ts)
        if found is not None:
            log.info("outbox.adopted kind=%s entry=%s ts=%s", entry.kind, entry.id, found)
            return found
    return await gateway.post_message(channel, text=text, blocks=blocks, thread_ts=thread_ts, metadata=metadata)


class MessageEffects:
    """`message`: to a channel (name or id) or, by user id, to a person's direct messages."""

    def __init__(self, gateway: SlackGateway) -> None:
        self._gateway = gateway

    def performers(self) -> dict[Effect, Performer]:
        return {Effect.MESSAGE: Performer(self.message, nothing_to_remember)}

    async def message(self, entry: OutboxEntry) -> Updates:
        to = str(entry.payload["to"])
        # A person's direct message, opened (the same one every time), or a channel by name or id; either
        # way an earlier attempt's post is found by its metadata, so a page is never sent twice.
        is_person = re.fullmatch(r"[UW][A-Z0-9]+", to) is not None
        channel = await (self._gateway.open_dm(to) if is_person else self._gateway.resolve_channel(to))
        await post_once(self._gateway, entry, channel, text=entry.payload["text"], blocks=entry.payload.get("blocks"))
        return {}

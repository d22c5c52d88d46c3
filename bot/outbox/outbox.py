"""The Outbox that services write side effects into, inside their own transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries import outbox as queries
from storage.tables import OutboxEntry


class Effect(StrEnum):
    """Every side effect the worker knows how to perform."""

    CREATE_CHANNEL = "create_channel"
    SET_TOPIC = "set_topic"
    SET_PURPOSE = "set_purpose"
    INVITE = "invite"
    POST_SUMMARY = "post_summary"
    PIN_SUMMARY = "pin_summary"
    UPDATE_SUMMARY = "update_summary"
    ANNOUNCE = "announce"
    UPDATE_ANNOUNCEMENT = "update_announcement"
    POST = "post"


class Outbox:
    """Side effects gathered during one unit of work; written by `flush` in its session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[OutboxEntry] = []
        self.written = 0

    def add(self, effect: Effect, *, incident_id: int | None, **payload: Any) -> None:
        self._pending.append(OutboxEntry(incident_id=incident_id, kind=effect.value, payload=payload))

    def post(self, incident_id: int, text: str, *, thread_ts: str | None = None) -> None:
        """Post a message in the incident's channel."""
        self.add(Effect.POST, incident_id=incident_id, text=text, thread_ts=thread_ts)

    def refresh(self, incident_id: int, *, topic: bool = False) -> None:
        """Bring the pinned summary and the announcement (and the topic) up to date."""
        self.add(Effect.UPDATE_SUMMARY, incident_id=incident_id)
        self.add(Effect.UPDATE_ANNOUNCEMENT, incident_id=incident_id)
        if topic:
            self.add(Effect.SET_TOPIC, incident_id=incident_id)

    async def flush(self) -> None:
        if self._pending:
            await queries.insert_entries(self._session, self._pending)
            self.written += len(self._pending)
            self._pending = []

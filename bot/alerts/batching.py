"""Deliveries that arrive together are stored together: one transaction for the chunks of many (a group commit).

A storm of distinct alert groups is many small deliveries at once, one per group, each with a few alerts.
A transaction for each queued them behind one another on the ingestion lock (and on SQLite's one write
lock), so a new group cost a commit and a dozen statements of its own. Instead one writer stores every
chunk waiting so far, while the next ones gather for its next transaction, as bot/timeline's Recorder
does for messages. Two chunks that share an alert never go in one transaction: each delivery's changes
to an alert are applied in the order they arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.alerts.models import AlertIn
from bot.alerts.routing import Decision
from bot.group_commit import GroupCommit, Waiting
from bot.unit_of_work import Begin

Routed = tuple[AlertIn, Decision]


@dataclass
class IngestResult:
    accepted: int = 0
    changed: int = 0
    opened: list[int] = field(default_factory=list)
    joined: set[int] = field(default_factory=set)


@dataclass
class Delivery:
    """What a delivery decided that outlives one chunk's transaction."""

    result: IngestResult
    # (incident, runbook) pairs already bookmarked or found in the incident: never checked twice.
    runbooks: set[tuple[int, str]] = field(default_factory=set)

    def saved(self) -> Delivery:
        """A copy to go back to if the transaction that changes this one rolls back."""
        result = self.result
        copied = IngestResult(result.accepted, result.changed, list(result.opened), set(result.joined))
        return Delivery(copied, set(self.runbooks))

    def restore(self, saved: Delivery) -> None:
        self.result.changed, self.result.opened, self.result.joined = (
            saved.result.changed,
            saved.result.opened,
            saved.result.joined,
        )
        self.runbooks = saved.runbooks


@dataclass
class Chunk:
    """Some of a delivery's alerts, routed, in the order the delivery decides them."""

    routed: Sequence[Routed]
    delivery: Delivery

    @property
    def alerts(self) -> set[tuple[str, str]]:
        return {(alert.source, alert.fingerprint) for alert, _ in self.routed}


# Stores chunks of several deliveries in one transaction of `begin`.
Write = Callable[[Begin, Sequence[Chunk]], Awaitable[None]]
# The alerts of a chunk whose state is not committed yet: the rest would change nothing.
Unknown = Callable[[Sequence[Routed]], list[Routed]]


@dataclass(frozen=True)
class _Stored:
    """A chunk to store, and in which database."""

    begin: Begin
    chunk: Chunk


class Batcher(GroupCommit[_Stored]):
    """Gathers the chunks waiting to be stored and writes them, up to `max_alerts` alerts, in one transaction."""

    def __init__(self, write: Write, *, max_alerts: int, unknown: Unknown) -> None:
        super().__init__("alert-batcher")
        self._write_chunks = write
        self._max_alerts = max_alerts
        self._unknown = unknown

    async def store(self, begin: Begin, chunk: Chunk) -> None:
        """Store the chunk and what it causes; raises what storing it raised."""
        await self._store(_Stored(begin, chunk))

    def _next_batch(self) -> list[Waiting[_Stored]]:
        """The first waiting chunk, and those after it that fit with it (same database, no alert in common).

        A chunk loses the alerts committed in the same state while it waited: in a storm that backs up,
        each notification of a group repeats the alerts of the one before, which is stored by then.
        """
        batch: list[Waiting[_Stored]] = []
        kept: list[Waiting[_Stored]] = []
        alerts: set[tuple[str, str]] = set()
        size = 0
        for index, waiting in enumerate(self._waiting):
            if size >= self._max_alerts:
                kept += self._waiting[index:]
                break
            chunk = waiting.item.chunk
            chunk.routed = self._unknown(chunk.routed)
            if not chunk.routed:
                waiting.tell(None)  # all of it is stored already, as it says
                continue
            theirs = chunk.alerts
            if not batch:
                batch, alerts, size = [waiting], theirs, len(chunk.routed)
                continue
            first = batch[0]
            fits = size + len(chunk.routed) <= self._max_alerts and not alerts & theirs
            if fits and waiting.item.begin is first.item.begin:
                batch.append(waiting)
                size += len(chunk.routed)
            else:
                kept.append(waiting)
            alerts |= theirs  # a later chunk of an alert left waiting must not overtake it either
        self._waiting = kept
        return batch

    async def _write_items(self, items: list[_Stored]) -> None:
        saved = [item.chunk.delivery.saved() for item in items]
        try:
            await self._write_chunks(items[0].begin, [item.chunk for item in items])
        except Exception:
            for item, before in zip(items, saved, strict=True):
                item.chunk.delivery.restore(before)  # the transaction rolled back what it decided
            raise

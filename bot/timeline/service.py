"""The timeline of an incident, built from what happens in its channel.

Slack delivers events out of order and retries them, so every change is keyed by the message's
channel and `ts`: an edit, delete, pin or reaction that arrives before its message creates the
entry it needs (`has_original=False`), and the message fills it in when it comes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.group_commit import GroupCommit, Waiting
from bot.timeline.activity import (
    Activity,
    HighlightChanged,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ts_to_datetime,
)
from bot.unit_of_work import Begin
from storage.queries import incidents as incident_queries
from storage.queries import timeline as queries
from storage.tables import TimelineEntry

# An event's activity and the Slack event_id it came with (None for activity that has no event).
Event = tuple[Activity, str | None]


@dataclass(slots=True)
class NewEntry:
    """An entry not stored yet, as plain attributes: a table model costs more to build than the rest of
    recording a message. Stored with a bulk insert, so it must name every column of TimelineEntry but `id`."""

    incident_id: int
    at: datetime
    kind: str
    channel_id: str
    slack_ts: str | None
    author: str | None = None
    text: str = ""
    thread_ts: str | None = None
    is_edited: bool = False
    is_deleted: bool = False
    has_original: bool = False
    is_pinned: bool = False
    highlight_reactions: int = 0
    highlighted: bool = False

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


async def record(*, session: AsyncSession, activity: Activity, event_id: str | None) -> bool:
    """Record channel activity on its incident's timeline, once per Slack event; False if it was not for one."""
    [recorded] = await record_all(session=session, events=[(activity, event_id)])
    return recorded


async def record_all(
    *, session: AsyncSession, events: Sequence[Event], incident_ids: dict[str, int] | None = None
) -> list[bool]:
    """Record several events' activity in the order given, each once, with a few statements for all of them.

    `incident_ids` remembers which channels are incident channels (an incident keeps its channel for
    good), so a caller that records often can keep it between calls and skip looking them up."""
    incident_ids = {} if incident_ids is None else incident_ids
    for channel_id in {activity.channel_id for activity, _ in events} - incident_ids.keys():
        incident = await incident_queries.get_incident_by_channel(session, channel_id)
        if incident is not None and incident.id is not None:
            incident_ids[channel_id] = incident.id
    # Slack retries an event it thinks we missed with the same event_id; the retry must change nothing.
    in_incidents = [(activity, event_id) for activity, event_id in events if activity.channel_id in incident_ids]
    unclaimed = await queries.claim_events(
        session, [event_id for activity, event_id in in_incidents if event_id and _needs_claim(activity)]
    )
    results, todo = [], []
    for activity, event_id in events:
        is_retry = event_id is not None and _needs_claim(activity) and event_id not in unclaimed
        if activity.channel_id not in incident_ids or is_retry:
            results.append(False)
            continue
        if event_id is not None:
            unclaimed.discard(event_id)  # a second delivery of it in the same batch is a retry as well
        results.append(True)
        todo.append((incident_ids[activity.channel_id], activity))
    await _record(session, todo)
    return results


async def _record(session: AsyncSession, todo: Sequence[tuple[int, Activity]]) -> None:
    # Most events are new messages, whose entries are new too: those are inserted as they are, unless
    # an edit or reaction that came first made the entry (the message then takes the path of the rest).
    touched = Counter(_key(activity) for _, activity in todo)
    fresh = []
    for incident_id, activity in todo:
        if isinstance(activity, MessagePosted) and touched[_key(activity)] == 1:
            fresh.append(entry := _new_message(incident_id, activity))
            _apply(entry, activity)
    inserted = await queries.insert_entries_unless_stored(session, [entry.values() for entry in fresh])
    rest = [(incident_id, activity) for incident_id, activity in todo if _key(activity) not in inserted]
    entries: dict[tuple[str, str], TimelineEntry | NewEntry] = {}
    entries.update(await _stored_entries(session, [activity for _, activity in rest]))
    new: list[NewEntry] = []
    for incident_id, activity in rest:
        _record_one(incident_id, activity, entries, new)
    await queries.insert_entries(session, [entry.values() for entry in new])
    await session.flush()  # the stored entries that changed


def _needs_claim(activity: Activity) -> bool:
    """A message's post needs no claim: it only fills in an entry that lacks it, so twice is the same as once."""
    return not isinstance(activity, MessagePosted)


def _key(activity: Activity) -> tuple[str, str]:
    """Which entry an activity changes: its message's, by channel and ts (a join makes its own)."""
    return (activity.channel_id, "" if isinstance(activity, MemberJoined) else activity.ts)


def _new_message(
    incident_id: int, activity: MessagePosted | MessageEdited | MessageDeleted | HighlightChanged
) -> NewEntry:
    return NewEntry(incident_id, ts_to_datetime(activity.ts), "message", activity.channel_id, activity.ts)


async def _stored_entries(
    session: AsyncSession, activities: Sequence[Activity]
) -> dict[tuple[str, str], TimelineEntry]:
    """The stored entries these activities change, by channel and ts."""
    wanted: dict[str, set[str]] = {}
    for activity in activities:
        if not isinstance(activity, MemberJoined):
            wanted.setdefault(activity.channel_id, set()).add(activity.ts)
    entries = {}
    for channel_id, stamps in wanted.items():
        for ts, entry in (await queries.get_entries_by_ts(session, channel_id, stamps)).items():
            entries[(channel_id, ts)] = entry
    return entries


def _record_one(
    incident_id: int,
    activity: Activity,
    entries: dict[tuple[str, str], TimelineEntry | NewEntry],
    new: list[NewEntry],
) -> None:
    if isinstance(activity, MemberJoined):
        joined = NewEntry(
            incident_id,
            activity.at,
            "join",
            activity.channel_id,
            None,
            author=activity.user,
            text="joined the channel",
            has_original=True,
        )
        new.append(joined)
        return
    entry = entries.get((activity.channel_id, activity.ts))
    if entry is None:
        entry = _new_message(incident_id, activity)
        entries[(activity.channel_id, activity.ts)] = entry  # later events of the batch change the same entry
        new.append(entry)
    _apply(entry, activity)


def _apply(entry: TimelineEntry | NewEntry, activity: Activity) -> None:
    match activity:
        case MessagePosted():
            if not entry.has_original:
                entry.has_original = True
                if not entry.is_edited:  # an edit that came first holds the newer text
                    entry.text = activity.text
                entry.author = entry.author or activity.author
                entry.thread_ts = activity.thread_ts
        case MessageEdited():
            entry.text, entry.is_edited = activity.text, True
            entry.author = entry.author or activity.author
            entry.thread_ts = entry.thread_ts or activity.thread_ts
            # an edit carries the whole message, so the entry is complete even if the post never comes
            entry.has_original = True
        case MessageDeleted():
            entry.is_deleted = True
            entry.author = entry.author or activity.author
            entry.text = entry.text or activity.text
        case HighlightChanged():
            if activity.is_pin:
                entry.is_pinned = activity.added
            else:
                entry.highlight_reactions = max(0, entry.highlight_reactions + (1 if activity.added else -1))
            entry.highlighted = entry.is_pinned or entry.highlight_reactions > 0
        case MemberJoined():
            raise AssertionError("joins are not message entries")


class Recorder(GroupCommit[Event]):
    """Records the events that arrive together in one transaction (a group commit, bot/group_commit.py), each
    caller returning once its own event is committed.

    A busy incident channel sends a message event every few milliseconds; a transaction for each
    would queue them behind one another (on SQLite every transaction takes the write lock). Instead
    one writer stores every event waiting so far, while the next ones gather for its next transaction.
    """

    def __init__(self, begin: Begin, *, max_batch: int = 500) -> None:
        super().__init__("timeline-recorder")
        self._begin = begin
        self._max_batch = max_batch
        self._incident_ids: dict[str, int] = {}  # the incident channels seen so far, by channel id

    async def record(self, activity: Activity, event_id: str | None) -> None:
        """Store the event's activity; raises what storing it raised."""
        await self._store((activity, event_id))

    def _next_batch(self) -> list[Waiting[Event]]:
        batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
        return batch

    async def _write_items(self, items: list[Event]) -> None:
        async with self._begin() as (session, _):
            await record_all(session=session, events=items, incident_ids=self._incident_ids)

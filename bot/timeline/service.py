"""The timeline of an incident, built from what happens in its channel.

Slack delivers events out of order and retries them, so every change is keyed by the message's
channel and `ts`: an edit, delete, pin or reaction that arrives before its message creates the
entry it needs (`has_original=False`), and the message fills it in when it comes.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.timeline.activity import (
    Activity,
    HighlightChanged,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ts_to_datetime,
)
from storage.queries import incidents as incident_queries
from storage.queries import timeline as queries
from storage.tables import TimelineEntry


async def record(*, session: AsyncSession, activity: Activity, event_id: str | None) -> TimelineEntry | None:
    """Record channel activity on its incident's timeline, once per Slack event."""
    incident = await incident_queries.get_incident_by_channel(session, activity.channel_id)
    if incident is None:
        return None
    # Slack retries an event it thinks we missed with the same event_id; the retry must change nothing.
    if event_id is not None and not await queries.claim_event(session, event_id):
        return None
    assert incident.id is not None
    if isinstance(activity, MemberJoined):
        return await queries.insert_entry(
            session,
            TimelineEntry(
                incident_id=incident.id,
                at=activity.at,
                kind="join",
                author=activity.user,
                text="joined the channel",
                channel_id=activity.channel_id,
            ),
        )
    entry = await queries.get_entry_by_ts(session, activity.channel_id, activity.ts)
    if entry is None:
        entry = TimelineEntry(
            incident_id=incident.id,
            at=ts_to_datetime(activity.ts),
            kind="message",
            channel_id=activity.channel_id,
            slack_ts=activity.ts,
            has_original=False,
        )
    _apply(entry, activity)
    return await queries.insert_entry(session, entry)


def _apply(entry: TimelineEntry, activity: Activity) -> None:
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

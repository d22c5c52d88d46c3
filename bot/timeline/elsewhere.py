"""Messages from outside an incident's channel, added to its timeline with the "Add to incident timeline" shortcut.

A customer report in #support or a hint in another team's channel belongs in the story of the incident.
The entry keeps the message's own channel and timestamp, so the same message is added once, to one
incident, and the postmortem shows it at the time it was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import IncidentNotFound, UserError
from bot.incidents.models import IncidentRef
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import Target, snapshot_of
from bot.outbox import Outbox
from bot.slack.texts import render
from bot.timeline.activity import ts_to_datetime
from bot.visibility import Viewer
from storage.queries import incidents as incident_queries
from storage.queries import timeline as queries
from storage.tables import TimelineEntry

KIND = "note"  # a key event: somebody chose it


@dataclass(frozen=True)
class SourceMessage:
    channel_id: str
    ts: str
    author: str | None
    text: str


async def already_on(*, session: AsyncSession, message: SourceMessage, viewer: Viewer) -> str | None:
    """Why this message cannot be added, if it is on a timeline already: which one, if the person may know it."""
    entry = await queries.get_entry_by_ts(session, message.channel_id, message.ts)
    if entry is None:
        return None
    try:
        present = await snapshot_of(session=session, target=Target(ref=IncidentRef(entry.incident_id), viewer=viewer))
    except IncidentNotFound:  # a private incident's: one message is on one timeline, but whose is not theirs to know
        return texts.timeline.ALREADY_ON_A_TIMELINE
    return texts.timeline.already_on_the_timeline_of(present.ref)


async def add(
    *, session: AsyncSession, outbox: Outbox, number: int, message: SourceMessage, viewer: Viewer
) -> IncidentSnapshot:
    """Put a message from another channel on the incident's timeline and say so in the incident channel."""
    if not message.text.strip():
        raise UserError(texts.timeline.NO_TEXT_TO_ADD)
    present = await already_on(session=session, message=message, viewer=viewer)
    if present is not None:
        raise UserError(present)
    incident = await snapshot_of(session=session, target=Target(ref=IncidentRef(number), viewer=viewer))
    row = await incident_queries.get_incident(session, number)
    assert row is not None
    await queries.insert_entry(
        session,
        TimelineEntry(
            incident_id=number,
            at=ts_to_datetime(message.ts),
            kind=KIND,
            author=message.author,
            text=message.text.strip(),
            channel_id=message.channel_id,
            slack_ts=message.ts,
            highlighted=True,
        ),
    )
    outbox.post(number, render("slack/added_from_elsewhere.txt.j2", message=message, by=viewer.user))
    return incident

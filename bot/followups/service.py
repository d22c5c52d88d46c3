"""Add, list and complete follow-ups; a message in the incident channel can become one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import IncidentNotFound, UserError
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import Target, snapshot_of
from bot.outbox import Outbox
from bot.slack.texts import render
from bot.visibility import Viewer, visible
from storage.queries import follow_ups as queries
from storage.queries import incidents as incident_queries
from storage.queries import timeline as timeline_queries
from storage.tables import FollowUp, TimelineEntry
from storage.types import utcnow

MAX_TEXT_LENGTH = 1000


async def add(
    *,
    session: AsyncSession,
    outbox: Outbox,
    target: Target,
    text: str,
    by: str,
    owner: str | None = None,
    due: date | None = None,
    source_ts: str | None = None,
) -> tuple[IncidentSnapshot, FollowUp]:
    text = text.strip()
    if not text:
        raise UserError(texts.followups.NO_TEXT)
    if len(text) > MAX_TEXT_LENGTH:
        raise UserError(texts.followups.too_long(len(text), MAX_TEXT_LENGTH))
    snapshot = await snapshot_of(session=session, target=target)
    if source_ts is not None:
        existing = await queries.get_by_source(session, snapshot.number, source_ts)
        if existing is not None:
            return snapshot, existing
    follow_up = await queries.insert(
        session,
        FollowUp(
            incident_id=snapshot.number,
            number=await queries.next_number(session, snapshot.number),
            text=text,
            owner=owner,
            due=due,
            created_by=by,
            source_ts=source_ts,
        ),
    )
    await timeline_queries.insert_entry(
        session,
        TimelineEntry(
            incident_id=snapshot.number, at=utcnow(), kind="follow_up", author=by, text=f"#{follow_up.number} {text}"
        ),
    )
    outbox.post(snapshot.number, render("slack/follow_up_added.txt.j2", follow_up=follow_up, by=by))
    return snapshot, follow_up


async def add_from_message(
    *, session: AsyncSession, outbox: Outbox, channel_id: str, message_ts: str, viewer: Viewer
) -> tuple[IncidentSnapshot, FollowUp]:
    """Turn a message of an incident channel into a follow-up; doing it twice keeps one."""
    incident = await incident_queries.get_incident_by_channel(session, channel_id)
    if incident is None or not await visible(incident, viewer):
        raise IncidentNotFound(texts.followups.NOT_FROM_AN_INCIDENT_CHANNEL)
    entry = await timeline_queries.get_entry_by_ts(session, channel_id, message_ts)
    if entry is None or entry.is_deleted or not entry.text.strip():
        raise UserError(texts.followups.NOT_ON_THE_TIMELINE_YET)
    return await add(
        session=session,
        outbox=outbox,
        target=Target(channel_id=channel_id, viewer=viewer),
        text=entry.text,
        by=viewer.user,
        owner=entry.author if entry.author and entry.author.startswith(("U", "W")) else None,
        source_ts=message_ts,
    )


async def list_for(*, session: AsyncSession, target: Target) -> tuple[IncidentSnapshot, Sequence[FollowUp]]:
    snapshot = await snapshot_of(session=session, target=target)
    return snapshot, await queries.list_for_incident(session, snapshot.number)


async def complete(
    *, session: AsyncSession, outbox: Outbox, target: Target, number: int, by: str
) -> tuple[IncidentSnapshot, FollowUp]:
    snapshot = await snapshot_of(session=session, target=target)
    follow_up = await queries.get_by_number(session, snapshot.number, number)
    if follow_up is None:
        raise UserError(texts.followups.no_such_follow_up(snapshot.ref, number))
    if follow_up.state == "done":
        raise UserError(texts.followups.already_done(number, snapshot.ref))
    follow_up.state, follow_up.done_at, follow_up.done_by = "done", utcnow(), by
    await timeline_queries.insert_entry(
        session,
        TimelineEntry(incident_id=snapshot.number, at=utcnow(), kind="follow_up", author=by, text=f"#{number} done"),
    )
    outbox.post(snapshot.number, render("slack/follow_up_done.txt.j2", follow_up=follow_up, by=by))
    return snapshot, follow_up

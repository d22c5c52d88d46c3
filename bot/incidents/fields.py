"""What people write on an incident: notes, and its summary, impact statement and service."""

from __future__ import annotations

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UserError
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import Target, clean, load, record, snapshot
from bot.outbox import Effect, Outbox
from bot.slack.texts import render


async def add_note(*, session: AsyncSession, outbox: Outbox, target: Target, text: str, by: str) -> IncidentSnapshot:
    """Add a note to the timeline, highlighted as a key event."""
    text = clean(text, what="note")
    incident = await load(session=session, target=target)
    await record(session=session, incident=incident, kind="note", text=text, by=by)
    noted = await snapshot(session=session, incident=incident)
    outbox.post(noted.number, render("slack/note_added.txt.j2", text=text, by=by))
    return noted


async def set_field(
    *, session: AsyncSession, outbox: Outbox, target: Target, field: str, text: str, by: str
) -> IncidentSnapshot:
    """Set the summary, the impact statement, or the service whose SLOs the incident spends."""
    assert field in ("summary", "impact", "service")
    text = _service_name(text) if field == "service" else clean(text, what=field)
    incident = await load(session=session, target=target)
    setattr(incident, field, text)
    await record(session=session, incident=incident, kind=field, text=text, by=by)
    changed = await snapshot(session=session, incident=incident)
    outbox.post(
        changed.number,
        render("slack/field_changed.txt.j2", incident=changed, field=field, text=text, by=by),
    )
    outbox.refresh(changed.number)
    if field == "summary":
        outbox.add(Effect.SET_PURPOSE, incident_id=changed.number)
    return changed


def _service_name(text: str) -> str:
    name = text.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,62}", name):
        raise UserError(texts.incidents.NOT_A_SERVICE_NAME)
    return name

"""Which incident a command means, loaded and locked for the change, and who may change it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import IncidentNotFound, UserError
from bot.incidents.models import IncidentRef, RoleName, Status, reference
from bot.incidents.snapshot import IncidentSnapshot
from bot.permissions import Action, Actor
from bot.visibility import ANONYMOUS, Viewer, visible
from storage.queries import incidents as queries
from storage.queries import timeline as timeline_queries
from storage.tables import Incident, TimelineEntry
from storage.types import utcnow

MAX_TITLE_LENGTH = 250
MAX_TEXT_LENGTH = 3000


@dataclass(frozen=True)
class Target:
    """Which incident a command means: the one named, else the one whose channel it came from.

    Which incidents exist depends on who asks (bot/visibility.py); nobody named sees public ones only.
    """

    ref: IncidentRef | None = None
    channel_id: str | None = None
    viewer: Viewer = ANONYMOUS


async def load(*, session: AsyncSession, target: Target) -> Incident:
    """The incident meant, if it exists for the person asking; one it does not is refused like a number never used."""
    if target.ref is not None:
        incident = await queries.get_incident(session, target.ref.number, for_update=True)
        if incident is None or not await visible(incident, target.viewer):
            raise IncidentNotFound(texts.incidents.no_such_incident(str(target.ref)))
        return incident
    incident = await queries.get_incident_by_channel(session, target.channel_id or "", for_update=True)
    if incident is None or not await visible(incident, target.viewer):
        raise IncidentNotFound(texts.incidents.NOT_AN_INCIDENT_CHANNEL)
    return incident


async def snapshot(*, session: AsyncSession, incident: Incident) -> IncidentSnapshot:
    assert incident.id is not None
    return IncidentSnapshot.of(incident, await queries.list_roles(session, incident.id))


async def record(*, session: AsyncSession, incident: Incident, kind: str, text: str, by: str | None) -> None:
    """A timeline entry of the change, which also marks the incident as changed now."""
    assert incident.id is not None
    now = utcnow()
    incident.updated_at = now
    await timeline_queries.insert_entry(
        session, TimelineEntry(incident_id=incident.id, at=now, kind=kind, author=by, text=text)
    )


async def snapshot_of(*, session: AsyncSession, target: Target) -> IncidentSnapshot:
    """The incident a command means, locked for the rest of the transaction."""
    return await snapshot(session=session, incident=await load(session=session, target=target))


async def authorize(*, session: AsyncSession, incident: Incident, action: Action, actor: Actor | None) -> None:
    """Refuse a limited action to anyone but the commander and the admins (nobody asking: the bot itself)."""
    if actor is None:
        return
    actor.require_commander(
        action, ref=reference(incident.id), commander=await commander(session=session, incident=incident)
    )


async def commander(*, session: AsyncSession, incident: Incident) -> str | None:
    assert incident.id is not None
    roles = await queries.list_roles(session, incident.id)
    return next((role.user_id for role in roles if role.role == RoleName.COMMANDER), None)


def require_open(incident: Incident) -> None:
    if not Status(incident.status).is_open:
        raise UserError(texts.incidents.not_open(reference(incident.id), incident.status))


def clean(text: str, *, what: str, limit: int = MAX_TEXT_LENGTH) -> str:
    text = text.strip()
    if not text:
        raise UserError(texts.incidents.empty_text(what))
    if len(text) > limit:
        raise UserError(texts.common.too_long(what, len(text), limit))
    return text

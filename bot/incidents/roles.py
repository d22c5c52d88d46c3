"""Incident roles: who commands, who talks to the outside, who keeps notes."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UserError
from bot.incidents.models import RoleName, reference
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import Target, authorize, commander, load, record, require_open, snapshot
from bot.outbox import Effect, Outbox
from bot.pagers import events as pagers
from bot.permissions import Action, Actor
from bot.slack.texts import render
from storage.enums import EscalationState
from storage.queries import incidents as queries
from storage.queries import paging as paging_queries
from storage.tables import Role
from storage.types import utcnow


async def assign_role(
    *,
    session: AsyncSession,
    outbox: Outbox,
    target: Target,
    role: RoleName,
    user: str,
    by: str,
    actor: Actor | None = None,
) -> IncidentSnapshot:
    """Give someone a role on the incident and pull them into its channel."""
    incident = await load(session=session, target=target)
    await authorize(session=session, incident=incident, action=Action.ASSIGN, actor=actor)
    require_open(incident)
    assert incident.id is not None
    ref = reference(incident.id)
    if role is RoleName.COMMANDER and actor is not None:
        actor.require_handover(ref=ref, commander=await commander(session=session, incident=incident))
    previous = await queries.upsert_role(
        session, Role(incident_id=incident.id, role=role, user_id=user, assigned_by=by, assigned_at=utcnow())
    )
    if previous is not None and previous.user_id == user:
        raise UserError(texts.incidents.already_has_role(user, role.title, ref))
    first_acknowledgement = role is RoleName.COMMANDER and incident.acknowledged_at is None
    if first_acknowledgement and user != incident.declared_by:
        incident.acknowledged_at = utcnow()
    # Someone commanding the incident is someone on it: paging stops, as if they had acknowledged.
    stopped = role is RoleName.COMMANDER and await paging_queries.stop_all(
        session, incident.id, state=EscalationState.ACKNOWLEDGED, by=user, now=utcnow()
    )
    if stopped:
        incident.acknowledged_at = incident.acknowledged_at or utcnow()
        incident.acknowledged_by = incident.acknowledged_by or user
        outbox.post(incident.id, texts.paging.acknowledged(user, ref, utcnow()))
    if stopped or (first_acknowledgement and incident.acknowledged_at is not None):
        # PagerDuty hears it too, even when the escalation had already run out of steps.
        await pagers.follow(session, outbox, incident, "acknowledge", by=user)
    await record(session=session, incident=incident, kind="role", text=f"{role.title}: <@{user}>", by=by)
    assigned = await snapshot(session=session, incident=incident)
    outbox.add(Effect.INVITE, incident_id=incident.id, users=[user])
    outbox.post(
        incident.id,
        render(
            "slack/role_assigned.txt.j2",
            incident=assigned,
            role=role,
            user=user,
            by=by,
            previous=previous.user_id if previous else None,
        ),
    )
    outbox.refresh(incident.id, topic=role is RoleName.COMMANDER)
    return assigned

"""Incident lifecycle: declare (by a person or for alerts), change status and severity, resolve, the update form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.alerts.views import AlertFacts, alert_from
from bot.errors import UserError
from bot.incidents.channel_names import channel_name
from bot.incidents.fields import add_note
from bot.incidents.messaging import humanize
from bot.incidents.models import IncidentRef, RoleName, Severity, Status, reference
from bot.incidents.snapshot import IncidentSnapshot
from bot.incidents.target import (
    MAX_TITLE_LENGTH,
    Target,
    authorize,
    clean,
    load,
    record,
    require_open,
    snapshot,
    snapshot_of,
)
from bot.outbox import Effect, Outbox
from bot.pagers import events as pagers
from bot.permissions import Action, Actor
from bot.schedules.responders import OnCallNow
from bot.slack.texts import render
from storage.enums import EscalationState
from storage.queries import incidents as queries
from storage.queries import paging as paging_queries
from storage.tables import Incident, Role
from storage.types import utcnow


async def declare(
    *,
    session: AsyncSession,
    outbox: Outbox,
    title: str,
    severity: Severity,
    by: str,
    summary: str = "",
    private: bool = False,
    on_call: OnCallNow | None = None,
) -> tuple[IncidentSnapshot, str]:
    """Open an incident; its channel, summary and announcement (unless private) follow through the outbox.

    `on_call`: a schedule's people on call now, invited with the declarer and named in the channel.
    """
    title = clean(title, what="title", limit=MAX_TITLE_LENGTH)
    now = utcnow()
    incident = await queries.insert_incident(
        session,
        Incident(
            title=title,
            severity=severity,
            status=Status.INVESTIGATING,
            summary=summary.strip(),
            is_private=private,
            declared_by=by,
            declared_at=now,
            detected_at=now,
            updated_at=now,
        ),
    )
    assert incident.id is not None
    await queries.upsert_role(
        session, Role(incident_id=incident.id, role=RoleName.COMMANDER, user_id=by, assigned_by=by)
    )
    await record(session=session, incident=incident, kind="declared", text=f"Declared {severity}: {title}", by=by)
    await record(session=session, incident=incident, kind="role", text=f"{RoleName.COMMANDER.title}: <@{by}>", by=by)
    await _record_on_call(session, incident, on_call, by=by)
    declared = await snapshot(session=session, incident=incident)
    _open_in_slack(outbox, declared, invite=[by], on_call=on_call)
    return declared, channel_name(declared.number, title)


@dataclass(frozen=True)
class AlertOpening:
    """How alert routing wants an incident opened."""

    title: str
    severity: Severity
    source: str
    detected_at: datetime
    team: str | None = None
    service: str | None = None
    announce_channel: str | None = None
    responders: tuple[str, ...] = ()
    usergroup: str | None = None
    is_storm: bool = False
    alert: AlertFacts | None = None  # the alert that opened it, named in the channel's first message
    on_call: OnCallNow | None = None  # the route's schedule, as it stood when the alert arrived


async def open_for_alerts(*, session: AsyncSession, outbox: Outbox, opening: AlertOpening) -> IncidentSnapshot:
    """Open an incident on an alert's behalf: nobody commands it until someone takes the role."""
    now = utcnow()
    title = opening.title.strip()[:MAX_TITLE_LENGTH] or "Alert"
    incident = await queries.insert_incident(
        session,
        Incident(
            title=title,
            severity=opening.severity,
            status=Status.INVESTIGATING,
            declared_by=opening.source,
            declared_at=now,
            detected_at=min(opening.detected_at, now),
            updated_at=now,
            origin=opening.source,
            team=opening.team,
            service=opening.service,
            announce_channel=opening.announce_channel,
            is_storm=opening.is_storm,
        ),
    )
    rule = f" ({opening.alert.name})" if opening.alert and opening.alert.name != title else ""
    opened = f"Opened {opening.severity} by {alert_from(opening.source)}{rule}: {title}"
    await record(session=session, incident=incident, kind="declared", text=opened, by=None)
    await _record_on_call(session, incident, opening.on_call, by=None)
    opened_incident = await snapshot(session=session, incident=incident)
    _open_in_slack(
        outbox,
        opened_incident,
        invite=list(opening.responders),
        usergroup=opening.usergroup,
        alert=opening.alert,
        on_call=opening.on_call,
    )
    return opened_incident


async def _record_on_call(session: AsyncSession, incident: Incident, on_call: OnCallNow | None, by: str | None) -> None:
    """Who the schedule gave, on the timeline: the postmortem can say who was brought in, and from where."""
    if on_call is not None:
        text = texts.oncall.responders(on_call.schedule, on_call.people)
        await record(session=session, incident=incident, kind="responders", text=text, by=by)


def _open_in_slack(
    outbox: Outbox,
    incident: IncidentSnapshot,
    *,
    invite: list[str],
    usergroup: str | None = None,
    alert: AlertFacts | None = None,
    on_call: OnCallNow | None = None,
) -> None:
    number = incident.number
    for effect in (Effect.CREATE_CHANNEL, Effect.SET_TOPIC, Effect.SET_PURPOSE):
        outbox.add(effect, incident_id=number)
    if on_call is not None:
        invite = list(dict.fromkeys([*invite, *on_call.invitees]))
    if invite or usergroup:
        outbox.add(Effect.INVITE, incident_id=number, users=invite, usergroup=usergroup)
    outbox.add(Effect.POST_SUMMARY, incident_id=number)
    outbox.add(Effect.PIN_SUMMARY, incident_id=number)
    opened_by = alert_from(incident.origin) if incident.opened_by_alert else None
    named = texts.oncall.responders(on_call.schedule, on_call.people) if on_call is not None else None
    welcome = render("slack/welcome.txt.j2", incident=incident, opened_by=opened_by, alert=alert, on_call=named)
    outbox.post(number, welcome)
    if not incident.is_private:  # only its members may know a private incident exists
        outbox.add(Effect.ANNOUNCE, incident_id=number)


async def set_status(
    *,
    session: AsyncSession,
    outbox: Outbox,
    target: Target,
    status: Status,
    by: str,
    note: str = "",
    actor: Actor | None = None,
) -> IncidentSnapshot:
    """Move the incident along investigating → identified → monitoring → resolved (or reopen it)."""
    if status is Status.RESOLVED:
        return await resolve(session=session, outbox=outbox, target=target, by=by, note=note, actor=actor)
    if status is Status.CLOSED:
        raise UserError(texts.incidents.CLOSED_BY_POSTMORTEM)
    incident = await load(session=session, target=target)
    await authorize(session=session, incident=incident, action=Action.STATUS, actor=actor)
    previous = Status(incident.status)
    if previous is Status.RESOLVED:  # reopening undoes a resolution: whoever may not resolve may not reopen
        await authorize(session=session, incident=incident, action=Action.RESOLVE, actor=actor)
    if previous is Status.CLOSED:
        raise UserError(texts.incidents.closed_for_good(reference(incident.id)))
    if previous is status:
        raise UserError(texts.incidents.already(reference(incident.id), status))
    now = utcnow()
    incident.status = status
    if status is Status.IDENTIFIED and incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if status is Status.MONITORING and incident.mitigated_at is None:
        incident.mitigated_at = now
    reopened = previous is Status.RESOLVED
    if reopened:
        incident.resolved_at = None
    note = note.strip()
    change = f"{previous} → {status}" + (f": {note}" if note else "")
    await record(session=session, incident=incident, kind="status", text=change, by=by)
    changed = await snapshot(session=session, incident=incident)
    template = "slack/reopened.txt.j2" if reopened else "slack/status_changed.txt.j2"
    outbox.post(changed.number, render(template, incident=changed, status=status, note=note, by=by))
    outbox.refresh(changed.number, topic=True)
    return changed


async def resolve(
    *, session: AsyncSession, outbox: Outbox, target: Target, by: str, note: str = "", actor: Actor | None = None
) -> IncidentSnapshot:
    """Mark the incident resolved and say how long it took."""
    incident = await load(session=session, target=target)
    await authorize(session=session, incident=incident, action=Action.RESOLVE, actor=actor)
    if not Status(incident.status).is_open:
        raise UserError(texts.incidents.already(reference(incident.id), incident.status))
    now = utcnow()
    previous = incident.status
    incident.status = Status.RESOLVED
    incident.resolved_at = now
    incident.mitigated_at = incident.mitigated_at or now
    incident.acknowledged_at = incident.acknowledged_at or now
    assert incident.id is not None
    await paging_queries.stop_all(
        session, incident.id, state=EscalationState.RESOLVED, by=by, now=now
    )  # resolving stops paging
    await pagers.follow(session, outbox, incident, "resolve", by=by)  # and resolves what PagerDuty opened
    note = note.strip()
    change = f"{previous} → resolved" + (f": {note}" if note else "")
    await record(session=session, incident=incident, kind="status", text=change, by=by)
    resolved = await snapshot(session=session, incident=incident)
    duration = humanize((now - incident.declared_at).total_seconds())
    outbox.post(
        resolved.number,
        render("slack/resolved.txt.j2", incident=resolved, note=note, by=by, duration=duration),
    )
    outbox.refresh(resolved.number, topic=True)
    return resolved


async def set_severity(
    *, session: AsyncSession, outbox: Outbox, target: Target, severity: Severity, by: str, actor: Actor | None = None
) -> IncidentSnapshot:
    """Change how bad the incident is."""
    incident = await load(session=session, target=target)
    await authorize(session=session, incident=incident, action=Action.SEVERITY, actor=actor)
    require_open(incident)
    previous = Severity(incident.severity)
    if previous is severity:
        raise UserError(texts.incidents.already(reference(incident.id), severity))
    incident.severity = severity
    await record(session=session, incident=incident, kind="severity", text=f"{previous} → {severity}", by=by)
    changed = await snapshot(session=session, incident=incident)
    outbox.post(
        changed.number,
        render("slack/severity_changed.txt.j2", incident=changed, previous=previous, severity=severity, by=by),
    )
    outbox.refresh(changed.number, topic=True)
    return changed


async def update(
    *,
    session: AsyncSession,
    outbox: Outbox,
    target: Target,
    status: Status | None,
    severity: Severity | None,
    note: str,
    by: str,
    actor: Actor | None = None,
) -> IncidentSnapshot:
    """The update form: a new severity, a new status (with the note) and/or a note, in one go."""
    updated = await snapshot_of(session=session, target=target)
    target = Target(ref=IncidentRef(updated.number), channel_id=None, viewer=target.viewer)
    changed = False
    if severity is not None and severity is not updated.severity:
        updated = await set_severity(
            session=session, outbox=outbox, target=target, severity=severity, by=by, actor=actor
        )
        changed = True
    if status is not None and status is not updated.status:
        updated = await set_status(
            session=session, outbox=outbox, target=target, status=status, by=by, note=note, actor=actor
        )
        changed, note = True, ""
    if note.strip():
        updated = await add_note(session=session, outbox=outbox, target=target, text=note, by=by)
        changed = True
    if not changed:
        raise UserError(texts.incidents.NOTHING_CHANGED)
    return updated

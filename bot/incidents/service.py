"""Incident lifecycle: declare, change status and severity, assign roles, record notes, resolve."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.views import AlertFacts, alert_from
from bot.errors import IncidentNotFound, UserError
from bot.incidents.channel_names import channel_name
from bot.incidents.messaging import humanize
from bot.incidents.models import OPEN_STATUSES, IncidentRef, RoleName, Severity, Status
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox import Effect, Outbox
from bot.permissions import Action, Actor
from bot.slack.texts import render
from bot.visibility import ANONYMOUS, Viewer, visible, visible_only
from storage.queries import incidents as queries
from storage.queries import timeline as timeline_queries
from storage.tables import Incident, Role, TimelineEntry
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


async def _load(session: AsyncSession, target: Target) -> Incident:
    """The incident meant, if it exists for the person asking; one it does not is refused like a number never used."""
    if target.ref is not None:
        incident = await queries.get_incident(session, target.ref.number, for_update=True)
        if incident is None or not await visible(incident, target.viewer):
            raise IncidentNotFound(f"There is no incident {target.ref}. See open ones with `/incident list`.")
        return incident
    incident = await queries.get_incident_by_channel(session, target.channel_id or "", for_update=True)
    if incident is None or not await visible(incident, target.viewer):
        raise IncidentNotFound(
            "This channel is not an incident channel. Name the incident, e.g. `/incident status INC-12 monitoring`."
        )
    return incident


async def _snapshot(session: AsyncSession, incident: Incident) -> IncidentSnapshot:
    assert incident.id is not None
    return IncidentSnapshot.of(incident, await queries.list_roles(session, incident.id))


async def _record(session: AsyncSession, incident: Incident, kind: str, text: str, *, by: str | None) -> None:
    assert incident.id is not None
    now = utcnow()
    incident.updated_at = now
    await timeline_queries.insert_entry(
        session, TimelineEntry(incident_id=incident.id, at=now, kind=kind, author=by, text=text)
    )


async def snapshot_of(session: AsyncSession, target: Target) -> IncidentSnapshot:
    """The incident a command means, locked for the rest of the transaction."""
    return await _snapshot(session, await _load(session, target))


async def authorize(session: AsyncSession, incident: Incident, action: Action, actor: Actor | None) -> None:
    """Refuse a limited action to anyone but the commander and the admins (nobody asking: the bot itself)."""
    if actor is None:
        return
    assert incident.id is not None
    actor.require_commander(action, ref=f"INC-{incident.id}", commander=await _commander(session, incident))


async def _commander(session: AsyncSession, incident: Incident) -> str | None:
    assert incident.id is not None
    roles = await queries.list_roles(session, incident.id)
    return next((role.user_id for role in roles if role.role == RoleName.COMMANDER), None)


def _require_open(incident: Incident) -> None:
    if not Status(incident.status).is_open:
        raise UserError(
            f"INC-{incident.id} is {incident.status}. "
            f"Reopen it with `/incident status INC-{incident.id} investigating`."
        )


def _clean(text: str, *, what: str, limit: int = MAX_TEXT_LENGTH) -> str:
    text = text.strip()
    if not text:
        raise UserError(f"The {what} is empty: write it after the command.")
    if len(text) > limit:
        raise UserError(f"The {what} is {len(text)} characters long; keep it under {limit}.")
    return text


async def declare(
    *,
    session: AsyncSession,
    outbox: Outbox,
    title: str,
    severity: Severity,
    by: str,
    summary: str = "",
    private: bool = False,
) -> tuple[IncidentSnapshot, str]:
    """Open an incident; its channel, summary and announcement (unless private) follow through the outbox."""
    title = _clean(title, what="title", limit=MAX_TITLE_LENGTH)
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
    await _record(session, incident, "declared", f"Declared {severity}: {title}", by=by)
    await _record(session, incident, "role", f"{RoleName.COMMANDER.title}: <@{by}>", by=by)
    snapshot = await _snapshot(session, incident)
    _open_in_slack(outbox, snapshot, invite=[by])
    return snapshot, channel_name(snapshot.number, title)


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
    opened_by = alert_from(opening.source)
    await _record(session, incident, "declared", f"Opened {opening.severity} by {opened_by}{rule}: {title}", by=None)
    snapshot = await _snapshot(session, incident)
    _open_in_slack(outbox, snapshot, invite=list(opening.responders), usergroup=opening.usergroup, alert=opening.alert)
    return snapshot


def _open_in_slack(
    outbox: Outbox,
    snapshot: IncidentSnapshot,
    *,
    invite: list[str],
    usergroup: str | None = None,
    alert: AlertFacts | None = None,
) -> None:
    number = snapshot.number
    for effect in (Effect.CREATE_CHANNEL, Effect.SET_TOPIC, Effect.SET_PURPOSE):
        outbox.add(effect, incident_id=number)
    if invite or usergroup:
        outbox.add(Effect.INVITE, incident_id=number, users=invite, usergroup=usergroup)
    outbox.add(Effect.POST_SUMMARY, incident_id=number)
    outbox.add(Effect.PIN_SUMMARY, incident_id=number)
    opened_by = alert_from(snapshot.origin) if snapshot.opened_by_alert else None
    outbox.post(number, render("slack/welcome.txt.j2", incident=snapshot, opened_by=opened_by, alert=alert))
    if not snapshot.is_private:  # only its members may know a private incident exists
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
        raise UserError("Incidents are closed once their postmortem is reviewed, not with `status`.")
    incident = await _load(session, target)
    await authorize(session, incident, Action.STATUS, actor)
    previous = Status(incident.status)
    if previous is Status.RESOLVED:  # reopening undoes a resolution: whoever may not resolve may not reopen
        await authorize(session, incident, Action.RESOLVE, actor)
    if previous is Status.CLOSED:
        raise UserError(f"INC-{incident.id} is closed; declare a new incident instead.")
    if previous is status:
        raise UserError(f"INC-{incident.id} is already {status}.")
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
    await _record(session, incident, "status", f"{previous} → {status}" + (f": {note}" if note else ""), by=by)
    snapshot = await _snapshot(session, incident)
    template = "slack/reopened.txt.j2" if reopened else "slack/status_changed.txt.j2"
    outbox.post(snapshot.number, render(template, incident=snapshot, status=status, note=note, by=by))
    outbox.refresh(snapshot.number, topic=True)
    return snapshot


async def resolve(
    *, session: AsyncSession, outbox: Outbox, target: Target, by: str, note: str = "", actor: Actor | None = None
) -> IncidentSnapshot:
    """Mark the incident resolved and say how long it took."""
    incident = await _load(session, target)
    await authorize(session, incident, Action.RESOLVE, actor)
    if not Status(incident.status).is_open:
        raise UserError(f"INC-{incident.id} is already {incident.status}.")
    now = utcnow()
    previous = incident.status
    incident.status = Status.RESOLVED
    incident.resolved_at = now
    incident.mitigated_at = incident.mitigated_at or now
    incident.acknowledged_at = incident.acknowledged_at or now
    note = note.strip()
    await _record(session, incident, "status", f"{previous} → resolved" + (f": {note}" if note else ""), by=by)
    snapshot = await _snapshot(session, incident)
    duration = humanize((now - incident.declared_at).total_seconds())
    outbox.post(
        snapshot.number,
        render("slack/resolved.txt.j2", incident=snapshot, note=note, by=by, duration=duration),
    )
    outbox.refresh(snapshot.number, topic=True)
    return snapshot


async def set_severity(
    *, session: AsyncSession, outbox: Outbox, target: Target, severity: Severity, by: str, actor: Actor | None = None
) -> IncidentSnapshot:
    """Change how bad the incident is."""
    incident = await _load(session, target)
    await authorize(session, incident, Action.SEVERITY, actor)
    _require_open(incident)
    previous = Severity(incident.severity)
    if previous is severity:
        raise UserError(f"INC-{incident.id} is already {severity}.")
    incident.severity = severity
    await _record(session, incident, "severity", f"{previous} → {severity}", by=by)
    snapshot = await _snapshot(session, incident)
    outbox.post(
        snapshot.number,
        render("slack/severity_changed.txt.j2", incident=snapshot, previous=previous, severity=severity, by=by),
    )
    outbox.refresh(snapshot.number, topic=True)
    return snapshot


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
    incident = await _load(session, target)
    await authorize(session, incident, Action.ASSIGN, actor)
    _require_open(incident)
    assert incident.id is not None
    if role is RoleName.COMMANDER and actor is not None:
        actor.require_handover(ref=f"INC-{incident.id}", commander=await _commander(session, incident))
    previous = await queries.upsert_role(
        session, Role(incident_id=incident.id, role=role, user_id=user, assigned_by=by, assigned_at=utcnow())
    )
    if previous is not None and previous.user_id == user:
        raise UserError(f"<@{user}> is already the {role.title} of INC-{incident.id}.")
    if role is RoleName.COMMANDER and incident.acknowledged_at is None and user != incident.declared_by:
        incident.acknowledged_at = utcnow()
    await _record(session, incident, "role", f"{role.title}: <@{user}>", by=by)
    snapshot = await _snapshot(session, incident)
    outbox.add(Effect.INVITE, incident_id=incident.id, users=[user])
    outbox.post(
        incident.id,
        render(
            "slack/role_assigned.txt.j2",
            incident=snapshot,
            role=role,
            user=user,
            by=by,
            previous=previous.user_id if previous else None,
        ),
    )
    outbox.refresh(incident.id, topic=role is RoleName.COMMANDER)
    return snapshot


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
    snapshot = await snapshot_of(session, target)
    target = Target(ref=IncidentRef(snapshot.number), channel_id=None, viewer=target.viewer)
    changed = False
    if severity is not None and severity is not snapshot.severity:
        snapshot = await set_severity(
            session=session, outbox=outbox, target=target, severity=severity, by=by, actor=actor
        )
        changed = True
    if status is not None and status is not snapshot.status:
        snapshot = await set_status(
            session=session, outbox=outbox, target=target, status=status, by=by, note=note, actor=actor
        )
        changed, note = True, ""
    if note.strip():
        snapshot = await add_note(session=session, outbox=outbox, target=target, text=note, by=by)
        changed = True
    if not changed:
        raise UserError("Nothing changed: pick another status or severity, or write what changed.")
    return snapshot


async def add_note(*, session: AsyncSession, outbox: Outbox, target: Target, text: str, by: str) -> IncidentSnapshot:
    """Add a note to the timeline, highlighted as a key event."""
    text = _clean(text, what="note")
    incident = await _load(session, target)
    await _record(session, incident, "note", text, by=by)
    snapshot = await _snapshot(session, incident)
    outbox.post(snapshot.number, render("slack/note_added.txt.j2", text=text, by=by))
    return snapshot


async def set_field(
    *, session: AsyncSession, outbox: Outbox, target: Target, field: str, text: str, by: str
) -> IncidentSnapshot:
    """Set the summary, the impact statement, or the service whose SLOs the incident spends."""
    assert field in ("summary", "impact", "service")
    text = _service_name(text) if field == "service" else _clean(text, what=field)
    incident = await _load(session, target)
    setattr(incident, field, text)
    await _record(session, incident, field, text, by=by)
    snapshot = await _snapshot(session, incident)
    outbox.post(
        snapshot.number,
        render("slack/field_changed.txt.j2", incident=snapshot, field=field, text=text, by=by),
    )
    outbox.refresh(snapshot.number)
    if field == "summary":
        outbox.add(Effect.SET_PURPOSE, incident_id=snapshot.number)
    return snapshot


def _service_name(text: str) -> str:
    name = text.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,62}", name):
        raise UserError("A service name is one lower-case word, like `checkout`.")
    return name


async def list_open(*, session: AsyncSession, viewer: Viewer) -> list[IncidentSnapshot]:
    """Open incidents that exist for this person, most severe first, then newest."""
    closed = [status for status in Status if status not in OPEN_STATUSES]
    listed = await queries.list_with_roles_not_in(session, closed)
    snapshots = await visible_only([IncidentSnapshot.of(incident, roles) for incident, roles in listed], viewer)
    return sorted(snapshots, key=lambda snapshot: (snapshot.severity, -snapshot.number))


async def snapshots_of(session: AsyncSession, incidents: Sequence[Incident]) -> list[IncidentSnapshot]:
    """Snapshots of several incidents, their roles read in one query."""
    roles = await queries.list_roles_of(session, [incident.id for incident in incidents if incident.id is not None])
    return [IncidentSnapshot.of(i, [role for role in roles if role.incident_id == i.id]) for i in incidents]


async def recent_timeline(
    *, session: AsyncSession, target: Target, last: int = 20
) -> tuple[IncidentSnapshot, Sequence[TimelineEntry], int]:
    """The newest timeline entries people can see, and how many there are in all."""
    incident = await _load(session, target)
    assert incident.id is not None
    entries = await timeline_queries.list_entries(session, incident.id, last=last)
    total = await timeline_queries.count_entries(session, incident.id)
    return await _snapshot(session, incident), entries, total

"""Alert ingestion: store every alert, group it, open or join incidents, and hold back alert storms.

Everything a delivery causes commits in one transaction with its outbox entries, so a webhook is
acknowledged only when its alerts are stored and the Slack work they imply is sure to happen.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts import messaging, rollup
from bot.alerts.models import AlertIn, AlertStatus
from bot.alerts.routing import Decision, Router
from bot.alerts.view import facts, rule_name, source_name
from bot.config import OncallConfig
from bot.incidents import service as incidents
from bot.incidents.models import IncidentRef, Severity, Status
from bot.incidents.service import AlertOpening, Target
from bot.outbox import Effect, Outbox, alert_group_lane, incident_lane
from bot.outbox.outbox import alert_rollup_lane
from bot.unit_of_work import Begin
from storage.queries import alerts as queries
from storage.queries import incidents as incident_queries
from storage.queries import timeline as timeline_queries
from storage.tables import Alert, AlertGroup, Incident, TimelineEntry
from storage.types import utcnow

# How long an alert list waits for more changes before it is redrawn (one Slack call per wait).
SYNC_DELAY_SECONDS = 1.0
STORM_WINDOW = timedelta(minutes=1)
CLOSED_STATUSES = [Status.RESOLVED.value, Status.CLOSED.value]


class Change(Enum):
    FIRED = "fired"
    REFIRED = "re-fired"
    RESOLVED = "resolved"
    NONE = "none"  # a redelivery, or news older than what is stored


@dataclass
class IngestResult:
    accepted: int = 0
    changed: int = 0
    opened: list[int] = field(default_factory=list)
    joined: set[int] = field(default_factory=set)


def _digest(alert: AlertIn) -> int:
    """Everything ingestion looks at: equal digests mean a delivery can change nothing."""
    return hash(
        (
            alert.status,
            alert.starts_at,
            alert.ends_at,
            alert.summary,
            alert.description,
            alert.runbook_url,
            alert.severity,
            alert.generator_url,
            tuple(alert.links.items()),
            alert.group_key,
            tuple(sorted(alert.labels.items())),
            tuple(sorted(alert.annotations.items())),
        )
    )


class CommittedAlerts:
    """What this process has committed lately, so a resend of the same state needs no database work.

    Alertmanager resends every group each `group_interval` whether or not anything changed; most
    deliveries are such resends. A hit means this exact state is already stored (entries are added
    only after their transaction commits), and processing it again would change nothing: the stored
    alert is at that state or newer. Bounded, least recently used first out.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._digests: OrderedDict[tuple[str, str], int] = OrderedDict()

    def all_known(self, alerts: Sequence[AlertIn]) -> bool:
        for alert in alerts:
            key = (alert.source, alert.fingerprint)
            if self._digests.get(key) != _digest(alert):
                return False
            self._digests.move_to_end(key)
        return True

    def remember(self, alerts: Sequence[AlertIn]) -> None:
        for alert in alerts:
            key = (alert.source, alert.fingerprint)
            self._digests[key] = _digest(alert)
            self._digests.move_to_end(key)
        while len(self._digests) > self._capacity:
            self._digests.popitem(last=False)


@dataclass
class _Delivery:
    """What one webhook's processing has already read or decided, so nothing is queried twice."""

    result: IngestResult
    groups: dict[tuple[str, str], AlertGroup] = field(default_factory=dict)
    incidents: dict[int, Incident | None] = field(default_factory=dict)
    bookmarked: set[tuple[int, str]] = field(default_factory=set)
    resolved_in: set[int] = field(default_factory=set)


class AlertIngestion:
    def __init__(self, config: OncallConfig) -> None:
        self._config = config
        self._router = Router(config.alerts)
        self._committed = CommittedAlerts()

    async def receive(self, begin: Begin, alerts: Sequence[AlertIn]) -> IngestResult:
        """Store a delivery's alerts and everything they cause; returns once it is all committed."""
        if alerts and self._committed.all_known(alerts):
            return IngestResult(accepted=len(alerts))
        async with begin() as (session, outbox):
            result = await self.ingest(session=session, outbox=outbox, alerts=alerts)
        self._committed.remember(alerts)
        return result

    async def ingest(self, *, session: AsyncSession, outbox: Outbox, alerts: Sequence[AlertIn]) -> IngestResult:
        await queries.lock_ingestion(session)
        delivery = _Delivery(result=IngestResult(accepted=len(alerts)))
        routed = [(alert, self._router.route(alert)) for alert in alerts]
        # Alerts that open incidents go first, so the rest of their group joins the incident
        # instead of being posted on their own.
        routed.sort(key=lambda pair: (not pair[1].opens_incident, pair[1].severity or Severity.SEV4))
        # One query for the delivery's stored alerts; rows are written when the transaction ends.
        stored = await queries.get_alerts(session, [(alert.source, alert.fingerprint) for alert in alerts])
        with session.no_autoflush:
            for alert_in, decision in routed:
                alert, change = _upsert(stored.get((alert_in.source, alert_in.fingerprint)), alert_in)
                stored[(alert_in.source, alert_in.fingerprint)] = alert
                if change is Change.NONE:
                    continue
                delivery.result.changed += 1
                group = await self._group(session, alert_in, decision, delivery)
                alert.group_id = group.id  # type: ignore[assignment]
                if change is Change.RESOLVED:
                    await self._resolved(session, outbox, alert, group, delivery)
                else:
                    await self._fired(session, outbox, alert, alert_in, change, group, decision, delivery)
        await session.flush()
        for incident_id in sorted(delivery.resolved_in - set(delivery.result.opened)):
            await self._maybe_all_resolved(session, outbox, incident_id)
        return delivery.result

    async def _group(
        self, session: AsyncSession, alert_in: AlertIn, decision: Decision, delivery: _Delivery
    ) -> AlertGroup:
        key = (alert_in.source, decision.group_key)
        group = delivery.groups.get(key) or await queries.get_group(session, *key)
        if group is None:
            group = AlertGroup(
                source=alert_in.source, group_key=decision.group_key, team=decision.team, channel=decision.channel
            )
            await queries.insert(session, group)  # flushed: its id is the alerts' group_id
        delivery.groups[key] = group
        return group

    async def _fired(
        self,
        session: AsyncSession,
        outbox: Outbox,
        alert: Alert,
        alert_in: AlertIn,
        change: Change,
        group: AlertGroup,
        decision: Decision,
        delivery: _Delivery,
    ) -> None:
        result = delivery.result
        incident = await self._open_incident_of(session, group, delivery)
        if incident is None and decision.opens_incident:
            incident = await self._open(session, outbox, alert_in, decision, delivery)
            group.incident_id = incident.id
        if incident is None:
            alert.incident_id = None
            queries.add(session, alert)
            await self._show_group(session, outbox, group)
            return
        assert incident.id is not None
        alert.incident_id = incident.id
        queries.add(session, alert)
        if incident.id not in result.opened:
            result.joined.add(incident.id)
        verb = "re-fired" if change is Change.REFIRED else "fired"
        _timeline(session, incident, "alert_fired", f"Alert {verb}: {_said(alert)}", at=alert.starts_at)
        await outbox.sync(
            Effect.SYNC_ALERTS, incident_id=incident.id, lane=incident_lane(incident.id), delay=SYNC_DELAY_SECONDS
        )
        # A storm's alerts have as many runbooks as alerts: bookmarks would bury the channel's header.
        runbook = (incident.id, alert.runbook_url or "")
        if (
            alert.runbook_url
            and not incident.is_storm
            and runbook not in delivery.bookmarked
            and not await queries.runbook_in_incident(session, incident.id, alert.runbook_url, other_than=alert.id or 0)
        ):
            delivery.bookmarked.add(runbook)
            title = rule_name(alert.labels, alert.summary)
            outbox.add(Effect.ADD_BOOKMARK, incident_id=incident.id, title=f"Runbook: {title}", link=alert.runbook_url)
        if rollup.is_placed(group):
            await self._show_group(session, outbox, group)  # its message or rollup line points at the incident now

    async def _resolved(
        self, session: AsyncSession, outbox: Outbox, alert: Alert, group: AlertGroup, delivery: _Delivery
    ) -> None:
        queries.add(session, alert)
        incident = await self._incident(session, alert.incident_id, delivery) if alert.incident_id else None
        if incident is not None and incident.id is not None:
            ended = alert.ends_at or utcnow()
            _timeline(session, incident, "alert_resolved", f"Alert resolved: {_said(alert)}", at=ended)
            await outbox.sync(
                Effect.SYNC_ALERTS, incident_id=incident.id, lane=incident_lane(incident.id), delay=SYNC_DELAY_SECONDS
            )
            if Status(incident.status).is_open:
                delivery.resolved_in.add(incident.id)
        if rollup.is_placed(group) or incident is None:
            await self._show_group(session, outbox, group)

    async def _incident(self, session: AsyncSession, incident_id: int, delivery: _Delivery) -> Incident | None:
        """The incident, locked against a concurrent slash command; read once per delivery."""
        if incident_id not in delivery.incidents:
            delivery.incidents[incident_id] = await incident_queries.get_incident(session, incident_id, for_update=True)
        return delivery.incidents[incident_id]

    async def _open_incident_of(self, session: AsyncSession, group: AlertGroup, delivery: _Delivery) -> Incident | None:
        if group.incident_id is None:
            return None
        incident = await self._incident(session, group.incident_id, delivery)
        if incident is None or not Status(incident.status).is_open:
            return None
        return incident

    async def _open(
        self, session: AsyncSession, outbox: Outbox, alert_in: AlertIn, decision: Decision, delivery: _Delivery
    ) -> Incident:
        """A new incident, or the storm incident once too many opened within a minute."""
        assert decision.severity is not None
        limit = self._config.storm.max_new_incidents_per_minute
        recent = await queries.count_incidents_opened_by_alerts(session, utcnow() - STORM_WINDOW)
        storm = recent >= limit
        if storm:
            existing = await queries.open_storm_incident(session, CLOSED_STATUSES)
            if existing is not None:
                assert existing.id is not None
                delivery.incidents[existing.id] = existing
                return existing
        opening = AlertOpening(
            title=f"Alert storm: more than {limit} incidents within a minute" if storm else alert_in.summary,
            severity=decision.severity,
            source=alert_in.source,
            detected_at=alert_in.starts_at,
            team=None if storm else decision.team,
            service=None if storm else alert_in.labels.get("service"),
            announce_channel=decision.announce_channel,
            responders=decision.responders,
            usergroup=decision.usergroup,
            is_storm=storm,
            alert=None if storm else facts(alert_in),
        )
        snapshot = await incidents.open_for_alerts(session=session, outbox=outbox, opening=opening)
        delivery.result.opened.append(snapshot.number)
        incident = await self._incident(session, snapshot.number, delivery)
        assert incident is not None
        return incident

    async def _show_group(self, session: AsyncSession, outbox: Outbox, group: AlertGroup) -> None:
        """Bring the group up to date in its channel: its own message, or its line in a storm rollup."""
        assert group.id is not None
        now = utcnow()
        if not rollup.is_placed(group):
            limit = self._config.storm.max_alert_posts_per_minute
            await rollup.place(session=session, group=group, limit=limit, since=now - STORM_WINDOW, now=now)
        group.updated_at = now
        if group.rollup_id is not None:
            await outbox.sync(
                Effect.SYNC_ALERT_ROLLUP,
                incident_id=None,
                lane=alert_rollup_lane(group.rollup_id),
                delay=rollup.ROLLUP_SYNC_DELAY_SECONDS,
                rollup_id=group.rollup_id,
                channel=group.channel,  # the outbox paces each channel's calls
            )
            return
        await outbox.sync(
            Effect.SYNC_ALERT_GROUP,
            incident_id=None,
            lane=alert_group_lane(group.id),
            delay=SYNC_DELAY_SECONDS,
            group_id=group.id,
            channel=group.channel,  # the outbox paces each channel's calls
        )

    async def _maybe_all_resolved(self, session: AsyncSession, outbox: Outbox, incident_id: int) -> None:
        """Every alert of an open incident has cleared: offer to resolve it, or resolve it if configured."""
        if await queries.count_firing(session, incident_id):
            return
        incident = await incident_queries.get_incident(session, incident_id, for_update=True)
        if incident is None or not Status(incident.status).is_open:
            return
        if self._config.alerts.auto_resolve:
            await incidents.resolve(
                session=session,
                outbox=outbox,
                target=Target(ref=IncidentRef(incident_id)),
                by=source_name(incident.origin) if incident.origin != "slack" else "alerts",
                note="every alert has resolved (alerts.auto_resolve)",
            )
            return
        alerts = await queries.list_incident_alerts(session, incident_id)
        text, blocks = messaging.all_resolved(incident_id, len(alerts))
        outbox.post(incident_id, text, blocks=blocks)


def _copy_details(alert: Alert, alert_in: AlertIn, now: datetime, *, changed: bool = True) -> None:
    """Take what the source says now: annotations and links can change while an alert fires."""
    alert.status = alert_in.status
    alert.labels = dict(alert_in.labels)
    alert.annotations = dict(alert_in.annotations)
    alert.summary = alert_in.summary
    alert.description = alert_in.description
    alert.runbook_url = alert_in.runbook_url
    alert.severity = alert_in.severity
    alert.starts_at = alert_in.starts_at
    alert.ends_at = alert_in.ends_at
    alert.generator_url = alert_in.generator_url
    alert.links = dict(alert_in.links)
    alert.last_received_at = now
    if changed:
        alert.changed_at = now


def _said(alert: Alert) -> str:
    """The alert in a timeline entry: `CheckoutErrors (service=checkout instance=web-1): 5xx rate is 7.2%`."""
    shown = facts(alert)
    labels = f" ({shown.label_text(limit=4)})" if shown.labels else ""
    return f"{shown.name}{labels}" + (f": {shown.summary}" if shown.summary else "")


def _timeline(session: AsyncSession, incident: Incident, kind: str, text: str, *, at: datetime) -> None:
    assert incident.id is not None
    timeline_queries.add_entry(
        session, TimelineEntry(incident_id=incident.id, at=at, kind=kind, author=None, text=text[:3000])
    )


def _upsert(alert: Alert | None, alert_in: AlertIn) -> tuple[Alert, Change]:
    """The stored alert brought up to date, and what that changed."""
    now = utcnow()
    if alert is None:
        alert = Alert(
            source=alert_in.source,
            fingerprint=alert_in.fingerprint,
            status=alert_in.status,
            summary=alert_in.summary,
            starts_at=alert_in.starts_at,
            group_id=0,
            first_received_at=now,
        )
        _copy_details(alert, alert_in, now)
        return alert, Change.FIRED if alert_in.status is AlertStatus.FIRING else Change.RESOLVED
    stored, incoming = AlertStatus(alert.status), alert_in.status
    if alert_in.starts_at < alert.starts_at:
        return alert, Change.NONE  # about an earlier firing of this alert, already superseded
    if stored is incoming:
        if stored is AlertStatus.FIRING and alert_in.starts_at > alert.starts_at:
            # Resolved and fired again between two deliveries we received.
            _copy_details(alert, alert_in, now)
            alert.fired_count += 1
            return alert, Change.REFIRED
        _copy_details(alert, alert_in, now, changed=False)
        return alert, Change.NONE
    if incoming is AlertStatus.FIRING:
        if alert_in.starts_at == alert.starts_at:
            return alert, Change.NONE  # a late redelivery of the firing we already saw resolve
        alert.fired_count += 1
        _copy_details(alert, alert_in, now)
        return alert, Change.REFIRED
    _copy_details(alert, alert_in, now)
    return alert, Change.RESOLVED

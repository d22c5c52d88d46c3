"""Alert ingestion: store every alert, group it, open or join incidents, and hold back alert storms.

Storms are bot/alerts/storms.py (incidents) and bot/alerts/rollup.py (group messages); what a
delivery changes in a stored alert is bot/alerts/upsert.py.

Everything a delivery causes commits with its outbox entries, in transactions of a hundred alerts
or so, so a webhook is acknowledged only when its alerts are stored and the Slack work they imply is
sure to happen, and no delivery holds the database for long. Deliveries that arrive together share
those transactions (bot/alerts/batching.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts import entries, messaging, rollup
from bot.alerts.batching import Batcher, Chunk, Delivery, IngestResult, Routed
from bot.alerts.committed import CommittedAlerts
from bot.alerts.models import AlertIn, AlertStatus
from bot.alerts.routing import Decision, Router
from bot.alerts.storms import STORM_WINDOW, StormWatch
from bot.alerts.upsert import Change, upsert
from bot.alerts.views import rule_name, source_name
from bot.alerts.watchdog import WatchdogBeats, beats, is_watchdog
from bot.config.schema import OncallConfig
from bot.incidents.lifecycle import open_for_alerts, resolve
from bot.incidents.models import IncidentRef, Severity, Status
from bot.incidents.target import Target
from bot.outbox import Effect, Outbox, alert_group_lane, incident_lane
from bot.outbox.outbox import alert_rollup_lane
from bot.schedules.catalog import Catalog, Rota
from bot.schedules.responders import OnCallNow, on_call_now
from bot.unit_of_work import Begin
from storage.queries import alerts as queries
from storage.queries import incidents as incident_queries
from storage.tables import Alert, AlertGroup, Incident
from storage.types import utcnow

# How long an alert list waits for more changes before it is redrawn (one Slack call per wait).
SYNC_DELAY_SECONDS = 1.0
# Alerts stored per transaction. On SQLite a transaction holds the database's one write lock, so a
# slash command or an event waits for at most one chunk; a few hundred alerts take well under a second.
CHUNK_ALERTS = 100


__all__ = ["AlertIngestion", "IngestResult"]


@dataclass
class _Chunk:
    """What one transaction has read or decided, so nothing is queried twice within it."""

    placer: rollup.Placer
    storm: StormWatch
    groups: dict[tuple[str, str], AlertGroup] = field(default_factory=dict)
    incidents: dict[int, Incident | None] = field(default_factory=dict)
    resolved_in: set[int] = field(default_factory=set)
    rota: Rota | None = None  # the schedules, read once a chunk and only if a route names one
    runbook_alerts: dict[int, dict[str, set[int]]] = field(default_factory=dict)  # incident → runbook → alert ids
    new_alerts: list[Alert] = field(default_factory=list)  # inserted together, before the end of the transaction


@dataclass
class _Changed:
    alert: Alert
    alert_in: AlertIn
    decision: Decision
    change: Change
    delivery: Delivery


def _order(pair: Routed) -> tuple[bool, bool, Severity]:
    alert, decision = pair
    # Alerts that open incidents go first, so the rest of their group joins the incident instead of
    # being posted on their own; resolutions go last, so "every alert has resolved" is decided by the
    # chunk that holds an incident's last ones, as it would be at the end of the delivery.
    resolving = alert.status is AlertStatus.RESOLVED
    return (resolving, not decision.opens_incident, decision.severity or Severity.SEV4)


# Starts the named escalation policy for an incident an alert opened, in the same transaction. create_app
# passes bot/paging's: alerts do not import paging, which reads incidents, which read alerts.
StartPaging = Callable[[AsyncSession, Incident, str], Awaitable[None]]
# An alert a maintenance window holds (True: nothing more happens): create_app passes bot/maintenance's.
Hold = Callable[[AsyncSession, Outbox, Alert], Awaitable[bool]]


class AlertIngestion:
    def __init__(
        self,
        config: OncallConfig,
        *,
        chunk_alerts: int = CHUNK_ALERTS,
        start_paging: StartPaging | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self._config = config
        self._start_paging = start_paging
        self._router = Router(config.alerts, config.schedules)
        self._catalog = catalog or Catalog(config.schedules, config.zone)
        self._committed = CommittedAlerts()
        self._chunk_alerts = chunk_alerts
        self._batcher = Batcher(self._write, max_alerts=chunk_alerts, unknown=self._unknown)
        # Heartbeats, set by create_app once they exist (they raise their alerts through this ingestion).
        self.watchdog: WatchdogBeats | None = None
        self.hold: Hold | None = None

    async def receive(self, begin: Begin, alerts: Sequence[AlertIn]) -> IngestResult:
        """Store a delivery's alerts and everything they cause; returns once it is all committed.

        A large delivery is stored in chunks of `chunk_alerts`, each its own transaction, with the
        event loop free between them: on SQLite a transaction holds the one write lock, and a slash
        command waiting behind a whole delivery missed Slack's 3 seconds. Chunks are taken in the
        delivery's order (see `_order`) and decide as the whole delivery would; chunks of deliveries that
        arrive together share a transaction (bot/alerts/batching.py). A sender whose
        delivery failed half-way retries it, and the chunks already committed change nothing twice
        (each alert is upserted to the state the delivery gives it).
        Alerts in a state this process committed already are left out: Alertmanager resends them all.
        Alertmanager's Watchdog alerts are taken out first, before the resend check (its resends are the
        beats): they store and post nothing, and a firing one beats its heartbeat in a transaction of its own.
        """
        watchdogs = [alert for alert in alerts if is_watchdog(alert)]
        if watchdogs:
            alerts = [alert for alert in alerts if not is_watchdog(alert)]
            if self.watchdog is not None and beats(watchdogs):
                async with begin() as (session, outbox):
                    await self.watchdog.watchdog_beat(session, outbox)
        accepted, alerts = len(alerts) + len(watchdogs), self._committed.unknown(alerts)
        if not alerts:
            return IngestResult(accepted=accepted)
        routed = sorted(((alert, self._router.route(alert)) for alert in alerts), key=_order)
        delivery = Delivery(result=IngestResult(accepted=accepted))
        for start in range(0, len(routed), self._chunk_alerts):
            chunk = routed[start : start + self._chunk_alerts]
            await self._batcher.store(begin, Chunk(chunk, delivery))
        return delivery.result

    async def _write(self, begin: Begin, chunks: Sequence[Chunk]) -> None:
        async with begin() as (session, outbox):
            await self._ingest(session, outbox, chunks)
        for chunk in chunks:  # at once: the chunks waiting behind these leave out what they repeat
            self._committed.remember([alert for alert, _ in chunk.routed])

    def _unknown(self, routed: Sequence[Routed]) -> list[Routed]:
        news = {id(alert) for alert in self._committed.unknown([alert for alert, _ in routed])}
        return [pair for pair in routed if id(pair[0]) in news]

    async def receive_in(
        self, session: AsyncSession, outbox: Outbox, alerts: Sequence[AlertIn], *, rerun: bool = False
    ) -> IngestResult:
        """A few alerts (a heartbeat's) ingested in the caller's transaction, so what caused them commits with them.

        `rerun`: stored firing alerts are decided again as if they had just fired (their maintenance window ended).
        """
        routed = sorted(((alert, self._router.route(alert)) for alert in alerts), key=_order)
        delivery = Delivery(result=IngestResult(accepted=len(alerts)))
        await self._ingest(session, outbox, [Chunk(routed, delivery)], rerun=rerun)
        return delivery.result

    async def _ingest(
        self,
        session: AsyncSession,
        outbox: Outbox,
        chunks: Sequence[Chunk],
        *,
        rerun: bool = False,
    ) -> None:
        # Each chunk is in its delivery's order; sorted again (stably), the chunks of several deliveries
        # keep that order each, with every delivery's openings first and resolutions last.
        routed = sorted(
            ((alert, decision, chunk.delivery) for chunk in chunks for alert, decision in chunk.routed),
            key=lambda item: _order((item[0], item[1])),
        )
        await queries.lock_ingestion(session)
        now = utcnow()
        limit = self._config.storm.max_alert_posts_per_minute
        work = _Chunk(
            rollup.Placer(session, limit=limit, since=now - STORM_WINDOW, now=now),
            StormWatch(limit=self._config.storm.max_new_incidents_per_minute),
        )
        # One query for the chunk's stored alerts; rows are written when the transaction ends.
        stored = await queries.get_alerts(session, [(alert.source, alert.fingerprint) for alert, _, _ in routed])
        with session.no_autoflush:
            changed = []
            for alert_in, decision, delivery in routed:
                alert, change = upsert(stored.get((alert_in.source, alert_in.fingerprint)), alert_in)
                stored[(alert_in.source, alert_in.fingerprint)] = alert
                if rerun and change is Change.NONE and alert.status == AlertStatus.FIRING:
                    change = Change.FIRED
                if change is not Change.NONE:
                    changed.append(_Changed(alert, alert_in, decision, change, delivery))
            await self._read_groups_and_incidents(session, changed, work)
            for item in changed:
                item.delivery.result.changed += 1
                group = work.groups[(item.alert_in.source, item.decision.group_key)]
                item.alert.group_id = group.id  # type: ignore[assignment]
                if item.change is Change.RESOLVED:
                    await self._resolved(session, outbox, item, group, work)
                else:
                    await self._fired(session, outbox, item, group, work)
        await queries.insert_new(session, entries.unstored(work.new_alerts))
        await session.flush()
        for incident_id in sorted(work.resolved_in):
            await self._maybe_all_resolved(session, outbox, incident_id)

    async def _read_groups_and_incidents(
        self, session: AsyncSession, changed: Sequence[_Changed], work: _Chunk
    ) -> None:
        """The changed alerts' groups, the missing ones created, and their incidents: a few statements in all."""
        keys = {(item.alert_in.source, item.decision.group_key): item for item in changed}
        now = utcnow()
        work.groups = await queries.get_groups(session, keys)
        missing = [
            AlertGroup(
                source=source,
                group_key=group_key,
                team=item.decision.team,
                channel=item.decision.channel,
                created_at=now,  # given, as for Alert in _upsert: default factories are slow to construct with
                updated_at=now,
            )
            for (source, group_key), item in keys.items()
            if (source, group_key) not in work.groups
        ]
        await queries.insert_all(session, missing)  # flushed: their ids are the alerts' group_id
        work.groups |= {(group.source, group.group_key): group for group in missing}
        wanted = {group.incident_id for group in work.groups.values() if group.incident_id is not None}
        wanted |= {item.alert.incident_id for item in changed if item.alert.incident_id is not None}
        found = {incident.id: incident for incident in await incident_queries.lock_incidents(session, wanted)}
        work.incidents = {incident_id: found.get(incident_id) for incident_id in wanted}

    async def _fired(
        self, session: AsyncSession, outbox: Outbox, item: _Changed, group: AlertGroup, work: _Chunk
    ) -> None:
        alert, result = item.alert, item.delivery.result
        if self.hold is not None and await self.hold(session, outbox, alert):
            return
        incident = await self._open_incident_of(session, group, work)
        if incident is None and item.decision.opens_incident:
            incident = await self._open(session, outbox, item, work)
            group.incident_id = incident.id
        if incident is None:
            alert.incident_id = None
            entries.add_alert(session, alert, work.new_alerts)
            await self._show_group(outbox, group, work)
            return
        assert incident.id is not None
        alert.incident_id = incident.id
        entries.add_alert(session, alert, work.new_alerts)
        if incident.id not in result.opened:
            result.joined.add(incident.id)
        verb = "re-fired" if item.change is Change.REFIRED else "fired"
        entries.timeline(session, incident, "alert_fired", f"Alert {verb}: {entries.said(alert)}", at=alert.starts_at)
        await outbox.sync(
            Effect.SYNC_ALERTS, incident_id=incident.id, lane=incident_lane(incident.id), delay=SYNC_DELAY_SECONDS
        )
        # A storm's alerts have as many runbooks as alerts: bookmarks would bury the channel's header.
        if alert.runbook_url and not incident.is_storm and await self._first_runbook(session, incident.id, item, work):
            title = rule_name(alert.labels, alert.summary)
            outbox.add(Effect.ADD_BOOKMARK, incident_id=incident.id, title=f"Runbook: {title}", link=alert.runbook_url)
        if rollup.is_placed(group):
            await self._show_group(outbox, group, work)  # its message or rollup line points at the incident now

    async def _first_runbook(self, session: AsyncSession, incident_id: int, item: _Changed, work: _Chunk) -> bool:
        """Whether the alert brings its incident a runbook no other alert of it has: that one is bookmarked."""
        alert = item.alert
        assert alert.runbook_url is not None
        key = (incident_id, alert.runbook_url)
        if key in item.delivery.runbooks:
            return False
        item.delivery.runbooks.add(key)
        if incident_id not in work.runbook_alerts:
            work.runbook_alerts[incident_id] = await queries.runbooks_in_incident(session, incident_id)
        alert_ids = work.runbook_alerts[incident_id].setdefault(alert.runbook_url, set())
        first = not alert_ids - {alert.id}
        alert_ids.add(alert.id or 0)  # another delivery of this transaction finds it (new alerts have no id yet)
        return first

    async def _resolved(
        self, session: AsyncSession, outbox: Outbox, item: _Changed, group: AlertGroup, work: _Chunk
    ) -> None:
        alert = item.alert
        entries.add_alert(session, alert, work.new_alerts)
        incident = await self._incident(session, alert.incident_id, work) if alert.incident_id else None
        if incident is None and self.hold is not None and await self.hold(session, outbox, alert):
            return  # its line in the window's message says it resolved; it posts nothing of its own
        if incident is not None and incident.id is not None:
            ended = alert.ends_at or utcnow()
            entries.timeline(session, incident, "alert_resolved", f"Alert resolved: {entries.said(alert)}", at=ended)
            await outbox.sync(
                Effect.SYNC_ALERTS, incident_id=incident.id, lane=incident_lane(incident.id), delay=SYNC_DELAY_SECONDS
            )
            # Resolutions come after every opening of the transaction: one its delivery opened is not offered.
            if Status(incident.status).is_open and incident.id not in item.delivery.result.opened:
                work.resolved_in.add(incident.id)
        if rollup.is_placed(group) or incident is None:
            await self._show_group(outbox, group, work)

    async def _incident(self, session: AsyncSession, incident_id: int, work: _Chunk) -> Incident | None:
        """The incident, locked against a concurrent slash command; read once per chunk."""
        if incident_id not in work.incidents:
            work.incidents[incident_id] = await incident_queries.get_incident(session, incident_id, for_update=True)
        return work.incidents[incident_id]

    async def _open_incident_of(self, session: AsyncSession, group: AlertGroup, work: _Chunk) -> Incident | None:
        if group.incident_id is None:
            return None
        incident = await self._incident(session, group.incident_id, work)
        if incident is None or not Status(incident.status).is_open:
            return None
        return incident

    async def _open(self, session: AsyncSession, outbox: Outbox, item: _Changed, work: _Chunk) -> Incident:
        """A new incident, or the storm incident once too many opened within a minute."""
        alert_in, decision = item.alert_in, item.decision
        storm = await work.storm.storming(session)
        joined = await work.storm.open_storm(session) if storm else None
        if joined is not None:
            assert joined.id is not None
            work.incidents[joined.id] = joined
            return joined
        on_call = await self._on_call(session, decision, work)
        opened = await open_for_alerts(
            session=session, outbox=outbox, opening=work.storm.opening(alert_in, decision, storm=storm, on_call=on_call)
        )
        item.delivery.result.opened.append(opened.number)
        incident = await self._incident(session, opened.number, work)
        assert incident is not None
        work.storm.opened(incident, storm=storm)
        if decision.escalation is not None and self._start_paging is not None:
            await self._start_paging(session, incident, decision.escalation)
        return incident

    async def _on_call(self, session: AsyncSession, decision: Decision, work: _Chunk) -> OnCallNow | None:
        """Who is on call now in the route's schedule (the config made sure it exists)."""
        if decision.oncall is None:
            return None
        if work.rota is None:
            work.rota = await self._catalog.load(session)
        return await on_call_now(session, work.rota, decision.oncall, at=utcnow())

    async def _show_group(self, outbox: Outbox, group: AlertGroup, work: _Chunk) -> None:
        """Bring the group up to date in its channel: its own message, or its line in a storm rollup."""
        assert group.id is not None
        if not rollup.is_placed(group):
            await work.placer.place(group)
        group.updated_at = utcnow()
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
            await resolve(
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

"""The bot's own metrics (prometheus-client), served at /metrics: it watches others, so it must be watchable.

One registry per application, so several bots in one process (the tests) do not collide. Gauges
that describe stored state (outbox depth, open incidents) are read from the database at scrape
time, so every replica reports the same truth.

Private incidents are not counted: anyone who can read /metrics and #incidents could otherwise tell
that an unannounced incident is open, and how severe it is (bot/visibility.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries import outbox as outbox_queries
from storage.queries import paging as paging_queries
from storage.queries import reports as report_queries

# Time to acknowledge, in seconds: a page answered within a minute, … , an hour and more.
ACK_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0)
# The histogram covers the escalations acknowledged in this window (a scrape reads them from the database).
ACK_WINDOW = timedelta(days=30)
# Incidents' time to resolve, in seconds: five minutes, … , three days and more (docs/reports.md).
RESOLVE_BUCKETS = (300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 259200.0)

# Open incidents by severity, every severity named (zeros too): bot/incidents/listing.py counts them, and
# create_app passes that in, so observability imports no domain and any package may use it.
OpenIncidents = Callable[[AsyncSession], Awaitable[Mapping[str, int]]]


class Metrics:
    def __init__(self, *, open_incidents: OpenIncidents) -> None:
        self._open_incidents = open_incidents
        self.registry = CollectorRegistry()
        registry = self.registry
        self.webhooks = Counter(
            "oncall_webhooks",
            "Alert webhooks received, by source and outcome",
            ["source", "outcome"],
            registry=registry,
        )
        self.slack_calls = Counter(
            "oncall_slack_api_calls",
            "Slack Web API calls, by method and outcome",
            ["method", "outcome"],
            registry=registry,
        )
        self.command_ack = Histogram(
            "oncall_slash_command_ack_seconds",
            "Time from receiving a slash command to answering it (Slack allows 3 s)",
            ["command"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
            registry=registry,
        )
        self.scheduler_ticks = Counter(
            "oncall_scheduler_ticks", "Scheduler ticks run by this replica, by outcome", ["outcome"], registry=registry
        )
        self.reminders_sent = Counter("oncall_reminders_sent", "Reminders sent, by kind", ["kind"], registry=registry)
        self.retention_deleted = Counter(
            "oncall_retention_deleted_rows",
            "Rows retention deleted past their horizon, by table",
            ["table"],
            registry=registry,
        )
        self.outbox_entries = Gauge(
            "oncall_outbox_entries", "Outbox entries by state (pending, done, dead)", ["state"], registry=registry
        )
        self.outbox_oldest_pending = Gauge(
            "oncall_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox entry: Slack work that is waiting",
            registry=registry,
        )
        self.open_incidents = Gauge(
            "oncall_open_incidents",
            "Open incidents by severity (private ones left out)",
            ["severity"],
            registry=registry,
        )
        self.slo_evaluations = Counter(
            "oncall_slo_evaluations",
            "SLO evaluation rounds run by this replica, by outcome",
            ["outcome"],
            registry=registry,
        )
        self.slo_status = Gauge(
            "oncall_slo_status",
            "Latest SLO status: 0 PASS, 1 AT_RISK, 2 FAIL, -1 no data",
            ["slo", "service"],
            registry=registry,
        )
        self.is_leader = Gauge(
            "oncall_scheduler_leader", "1 on the replica that runs scheduled jobs", registry=registry
        )
        self.pages = Gauge(
            "oncall_pages", "Pages sent, by kind of target (user, usergroup, channel, …)", ["kind"], registry=registry
        )
        self.escalations = Gauge(
            "oncall_escalations",
            "Escalations by state: active, acknowledged, resolved, exhausted (their sum: all started)",
            ["state"],
            registry=registry,
        )
        self.time_to_acknowledge = _AckHistogram()
        registry.register(self.time_to_acknowledge)
        # The reports' times (declared → acknowledged / resolved), by severity, for Grafana next to the bot's health.
        self.incident_acknowledge = _SeverityHistogram(
            "oncall_incident_time_to_acknowledge_seconds",
            "From declared to acknowledged, by severity, for incidents acknowledged in the last 30 days",
            ACK_BUCKETS,
        )
        self.incident_resolve = _SeverityHistogram(
            "oncall_incident_time_to_resolve_seconds",
            "From declared to resolved, by severity, for incidents resolved in the last 30 days",
            RESOLVE_BUCKETS,
        )
        registry.register(self.incident_acknowledge)
        registry.register(self.incident_resolve)

    async def refresh(self, session: AsyncSession, now: datetime) -> None:
        """Read the state gauges from the database, just before a scrape."""
        counts = await outbox_queries.count_by_state(session)
        for state in (outbox_queries.PENDING, outbox_queries.DONE, outbox_queries.DEAD):
            self.outbox_entries.labels(state).set(counts.get(state, 0))
        oldest = await outbox_queries.oldest_pending_created_at(session)
        self.outbox_oldest_pending.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        for severity, count in (await self._open_incidents(session)).items():
            self.open_incidents.labels(severity).set(count)
        for kind, count in (await paging_queries.page_counts(session)).items():
            self.pages.labels(kind).set(count)
        states = await paging_queries.escalation_counts(session)
        for state in ("active", "acknowledged", "resolved", "exhausted"):
            self.escalations.labels(state).set(states.get(state, 0))
        self.time_to_acknowledge.durations = await paging_queries.acknowledgement_seconds(
            session, since=now - ACK_WINDOW
        )
        times = await report_queries.incident_times(session, since=now - ACK_WINDOW)
        self.incident_acknowledge.durations = times["acknowledge"]
        self.incident_resolve.durations = times["resolve"]

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _buckets(durations: list[float], bounds: tuple[float, ...]) -> list[tuple[str, float]]:
    buckets: list[tuple[str, float]] = [(str(bound), sum(1 for d in durations if d <= bound)) for bound in bounds]
    buckets.append(("+Inf", len(durations)))
    return buckets


class _SeverityHistogram(Collector):
    """Like _AckHistogram, built at scrape time from stored rows, one series per severity (private ones left out)."""

    def __init__(self, name: str, documentation: str, bounds: tuple[float, ...]) -> None:
        self._name, self._documentation, self._bounds = name, documentation, bounds
        self.durations: dict[str, list[float]] = {}

    def collect(self) -> list[HistogramMetricFamily]:
        family = HistogramMetricFamily(self._name, self._documentation, labels=["severity"])
        for severity in sorted(self.durations):
            values = self.durations[severity]
            family.add_metric([severity], _buckets(values, self._bounds), sum(values))
        return [family]


class _AckHistogram(Collector):
    """Time to acknowledge as a histogram built at scrape time from the stored escalations, so every
    replica shows the same one (an in-process Histogram would count only the acknowledgements it saw)."""

    def __init__(self) -> None:
        self.durations: list[float] = []

    def collect(self) -> list[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "oncall_time_to_acknowledge_seconds",
            "From the first page to the acknowledgement, for escalations acknowledged in the last 30 days",
        )
        family.add_metric([], _buckets(self.durations, ACK_BUCKETS), sum(self.durations))
        return [family]

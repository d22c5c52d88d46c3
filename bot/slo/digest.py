"""The weekly SLO digest: scheduled by cron per channel, sent once per run, chart and message through the outbox.

A run uploads the budget chart first (shared nowhere), then posts one Block Kit message that shows
it in an image block: one message a phone can read, and a retry of either step repeats nothing
already done. Both read stored evaluations only, so the digest agrees with `/slo` and the history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox import Effect, Outbox
from bot.slo.history import NOT_YET, budget_series, latest_reports
from bot.slo.models import DigestConfig, SloDefinition
from bot.slo.presentation import digest_message
from bot.slo.report import Digest, DigestIncident
from bot.slo.sources import impact_interval
from bot.values.crontab import next_run
from bot.visibility import is_public
from storage.engine import Database
from storage.queries import slos as queries
from storage.tables import Incident, SloDigest, SloDigestRun

WEEK = timedelta(days=7)


async def sync_config(*, session: AsyncSession, digests: Sequence[DigestConfig], now: datetime) -> None:
    """Make the stored digests match ONCALL_CONFIG: add new ones, cancel removed ones, revive re-added ones.

    `digests` holds every kind: the SLO digests and the posted reports (a ReportConfig is a DigestConfig).
    """
    wanted = {digest.key(): digest for digest in digests}
    stored = {digest.config_key: digest for digest in await queries.list_digests(session)}
    for key, digest in stored.items():
        if key not in wanted and digest.cancelled_at is None:
            digest.cancelled_at = now
        elif key in wanted and digest.cancelled_at is not None:
            digest.cancelled_at, digest.last_run_at = None, now  # back from the dead: from now on, no catch-up
    for key, config in wanted.items():
        if key not in stored:
            session.add(
                SloDigest(
                    config_key=key,
                    kind=config.kind,
                    options=config.options(),
                    channel=config.channel,
                    cron=config.cron,
                    created_at=now,
                )
            )
    await session.flush()


# Each kind's chart, then its message; bot/slo/effects.py and bot/reports/effects.py perform them.
EFFECTS = {
    "slo": (Effect.UPLOAD_SLO_CHART, Effect.POST_SLO_DIGEST),
    "report": (Effect.UPLOAD_REPORT_CHART, Effect.POST_REPORT),
}


def _enqueue(outbox: Outbox, run: SloDigestRun) -> None:
    lane = f"slo_digest:{run.id}"
    for effect in EFFECTS[run.kind]:
        outbox.add(effect, incident_id=None, lane=lane, run_id=run.id)


async def start_run(
    *,
    session: AsyncSession,
    outbox: Outbox,
    channel: str,
    end: datetime,
    digest_id: int | None,
    by: str | None,
    kind: str = "slo",
    options: dict[str, Any] | None = None,
) -> SloDigestRun:
    """A digest of the week ending at `end` (a report: of its period's days), sent to `channel` through the outbox."""
    start = end - WEEK
    if options is not None and "days" in options:
        # A report's period ends on the hour, as `oncall-bot report --period` and `/report` do: they agree.
        end = end.replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=int(options["days"]))
    row = SloDigestRun(
        digest_id=digest_id, kind=kind, options=options, channel=channel, start=start, end=end, requested_by=by
    )
    run = await queries.insert_digest_run(session, row)
    _enqueue(outbox, run)
    return run


async def run_due(*, session: AsyncSession, outbox: Outbox, now: datetime, zone: ZoneInfo) -> int:
    """Send each digest whose cron time has come; a digest missed while the bot was down goes once."""
    sent = 0
    for digest in await queries.list_digests(session):
        if digest.cancelled_at is not None:
            continue
        due = next_run(digest.cron, zone, after=digest.last_run_at or digest.created_at)
        if due is None or due > now:
            continue
        await start_run(
            session=session,
            outbox=outbox,
            channel=digest.channel,
            end=now,
            digest_id=digest.id,
            by=None,
            kind=digest.kind,
            options=digest.options,
        )
        digest.last_run_at = now
        sent += 1
    return sent


class DigestRenderer:
    """Builds a run's chart and message from stored evaluations, when the outbox performs them."""

    def __init__(self, database: Database, definitions: Sequence[SloDefinition], *, zone: ZoneInfo) -> None:
        self._database = database
        self._definitions = list(definitions)
        self._zone = zone

    async def run(self, run_id: int) -> SloDigestRun | None:
        async with self._database.reading() as session:
            return await queries.get_digest_run(session, run_id)

    async def chart(self, run: SloDigestRun) -> bytes:
        from bot.slo.chart import render_budget_chart  # matplotlib costs tens of MB: only once a digest is sent

        longest = max((d.span for d in self._definitions), default=WEEK)
        async with self._database.reading() as session:
            series = [await budget_series(session=session, definition=d, until=run.end) for d in self._definitions]
        # Drawing takes a few hundred milliseconds of CPU: off the event loop, so Slack's 3 s acks keep flowing.
        return await asyncio.to_thread(
            render_budget_chart,
            series,
            start=run.end - longest,
            end=run.end,
            zone=self._zone,
            title="Error budget remaining",
        )

    async def compose(self, start: datetime, end: datetime) -> Digest:
        async with self._database.reading() as session:
            reports = await latest_reports(session=session, definitions=self._definitions, now=end, at_or_before=end)
            earlier = await latest_reports(
                session=session, definitions=self._definitions, now=end, at_or_before=end - WEEK
            )
            incidents = await queries.incidents_overlapping(
                session, sorted({d.service for d in self._definitions}), start=start, end=end
            )
        last_week = {report.name: report for report in earlier if report.error != NOT_YET}
        # A managers' channel is no private incident's channel: they are counted, never named (bot/visibility.py).
        shown = [incident for incident in incidents if is_public(incident)]
        return Digest(
            start=start,
            end=end,
            reports=reports,
            last_week=last_week,
            incidents=_incidents(shown, end),
            private_incidents=len(incidents) - len(shown),
        )

    async def message(self, run: SloDigestRun) -> tuple[str, list[dict[str, Any]]]:
        text, blocks = digest_message(await self.compose(run.start, run.end), zone=self._zone)
        if run.chart_file_id is not None:
            # under the SLOs it charts, above the incidents
            divider = next((i for i, block in enumerate(blocks) if block["type"] == "divider"), len(blocks))
            chart = {
                "type": "image",
                "slack_file": {"id": run.chart_file_id},
                "alt_text": "Error budget remaining of every SLO over its window",
            }
            blocks.insert(divider, chart)
        return text, blocks


def _incidents(incidents: Sequence[Incident], end: datetime) -> list[DigestIncident]:
    listed = []
    for incident in incidents:
        assert incident.id is not None
        began, ended = impact_interval(incident, now=end)
        listed.append(
            DigestIncident(
                number=incident.id,
                title=incident.title,
                severity=incident.severity,
                service=incident.service or "",
                started_at=began,
                impact=ended - began,
                channel_id=incident.channel_id,
            )
        )
    return listed

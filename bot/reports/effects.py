"""How a posted review is performed from the outbox: its chart uploaded, then its message posted.

The rows are the SLO digest's (bot/slo/digest.py: a run of kind "report", its period and services in
`options`), so a retry of either step repeats nothing already done, exactly as for the digest.
"""

from __future__ import annotations

import asyncio
import logging

from bot import texts
from bot.config.schema import OncallConfig
from bot.errors import SlackError, SlackRejected
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.reports import chart, slack
from bot.reports.period import Period
from bot.reports.report import Report, Rows, gather
from bot.reports.service import report_in
from bot.schedules.catalog import Catalog
from bot.slack.effects import post_once
from bot.slack.gateway import SlackGateway
from bot.slo.effects import remember_on_run
from storage.engine import Database
from storage.queries import slos as queries
from storage.queries import users as user_queries
from storage.tables import OutboxEntry, SloDigestRun

log = logging.getLogger("oncall.reports")


class ReportEffects:
    def __init__(
        self,
        gateway: SlackGateway,
        database: Database,
        config: OncallConfig,
        catalog: Catalog,
        *,
        web_base_url: str | None = None,
    ) -> None:
        self._web_base_url = web_base_url  # None: no web pages, so no link to the full report
        self._gateway = gateway
        self._database = database
        self._config = config
        self._catalog = catalog

    def performers(self) -> dict[Effect, Performer]:
        return {
            Effect.UPLOAD_REPORT_CHART: Performer(self.upload_chart, remember_on_run),
            Effect.POST_REPORT: Performer(self.post, remember_on_run),
        }

    async def _run(self, entry: OutboxEntry) -> tuple[SloDigestRun, Period, list[str]]:
        async with self._database.reading() as session:
            run = await queries.get_digest_run(session, int(entry.payload["run_id"]))
        if run is None:
            raise SlackRejected(entry.kind, "the report run of this entry no longer exists")
        options = run.options or {}
        return run, Period(run.start, run.end, str(options.get("period", ""))), list(options.get("services", []))

    async def report(self, run: SloDigestRun, period: Period, services: list[str]) -> Report:
        async with self._database.reading() as session:
            rows = await gather(session, await self._catalog.load(session), period, services)
        await self._learn_zones(rows)
        async with self._database.reading() as session:
            return await report_in(session, self._config, self._catalog, period, services, now=run.end)

    async def _learn_zones(self, rows: Rows) -> None:
        """Ask users.info for the paged and on-call people whose zone the bot has not stored yet, and store it:
        their pages are then read in their own zone, in this review and in every later report."""
        paged = {page.target for page in rows.pages if page.kind == "user"} | {p for s in rows.shifts for p in s.people}
        learned: dict[str, tuple[str, str | None]] = {}
        for user in sorted(paged - set(rows.zones)):
            try:
                learned[user] = await self._gateway.user_info(user)
            except SlackError as exc:  # the bot's zone stands in, and the report says so
                log.warning("reports.user_lookup_failed user=%s error=%s", user, exc.error)
        if learned:
            async with self._database.transaction() as session:
                for user, (name, tz) in learned.items():
                    await user_queries.remember(session, user, name, tz=tz)

    async def upload_chart(self, entry: OutboxEntry) -> Updates:
        run, period, services = await self._run(entry)
        if run.chart_file_id is not None:
            return {}
        async with self._database.reading() as session:
            rows = await gather(session, await self._catalog.load(session), chart.span(period), services)
        title = texts.reports.heading(period.label, ", ".join(services) or None)
        png = await asyncio.to_thread(lambda: chart.render(chart.trend(rows.incidents, period), title=title))
        day = run.end.date().isoformat()
        file_id = await self._gateway.upload_file(None, filename=f"report-{day}.png", content=png, title=title)
        return {"chart_file_id": file_id}

    async def post(self, entry: OutboxEntry) -> Updates:
        run, period, services = await self._run(entry)
        if run.message_ts is not None:
            return {}
        report = await self.report(run, period, services)
        link = texts.reports.page_url(self._web_base_url, period.label, services) if self._web_base_url else None
        blocks = slack.blocks(report, link=link, chart_file_id=run.chart_file_id)
        channel = await self._gateway.resolve_channel(run.channel)
        ts = await post_once(self._gateway, entry, channel, text=slack.text(report, link), blocks=blocks)
        return {"message_channel_id": channel, "message_ts": ts}

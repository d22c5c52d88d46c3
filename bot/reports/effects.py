"""How a posted review is performed from the outbox: its chart uploaded, then its message posted.

The rows are the SLO digest's (bot/slo/digest.py: a run of kind "report", its period and services in
`options`), so a retry of either step repeats nothing already done, exactly as for the digest.
"""

from __future__ import annotations

import asyncio

from bot import texts
from bot.config.schema import OncallConfig
from bot.errors import SlackRejected
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.reports import chart, slack
from bot.reports.period import Period
from bot.reports.report import Report, gather
from bot.reports.service import report_in
from bot.schedules.catalog import Catalog
from bot.slack.effects import post_once
from bot.slack.gateway import SlackGateway
from bot.slo.effects import remember_on_run
from storage.engine import Database
from storage.queries import slos as queries
from storage.tables import OutboxEntry, SloDigestRun


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
            return await report_in(session, self._config, self._catalog, period, services, now=run.end)

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

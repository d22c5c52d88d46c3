"""A calendar-month SLO as managers read it: this month only, in its zone, named by its period in Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.keys import slo_evaluator_key
from bot.slo.calendar import CalendarWindow
from storage.types import utcnow
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace

CONFIG = """
timezone: Europe/Madrid
slos:
  - name: checkout-monthly
    service: checkout
    objective: 99.9%
    window: {calendar: month, timezone: Europe/Madrid}
    source: {type: events}
"""


@pytest.fixture
async def monthly(start_bot: StartBot) -> Workspace:
    return await start_bot(CONFIG)


async def push(workspace: Workspace, good: int, total: int, at: str) -> None:
    headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    body = {"good": good, "total": total, "at": at}
    async with workspace.client.post("/api/v1/slos/checkout-monthly/events", json=body, headers=headers) as response:
        assert response.status == 201, await response.text()


async def test_last_months_outage_is_not_this_months_budget_and_slack_names_the_month(monthly: Workspace) -> None:
    now = utcnow()
    period = CalendarWindow(calendar="month", timezone="Europe/Madrid").period(now)
    # An hour before this month began in Madrid every request failed; since then 9,994 of 10,000 succeeded.
    await push(monthly, 0, 1_000, (period.start - timedelta(hours=1)).isoformat())
    await push(monthly, 9_994, 10_000, max(now - timedelta(seconds=1), period.start).isoformat())

    [report] = await monthly.server.app[slo_evaluator_key].evaluate_and_store(at=now)
    await monthly.settle()

    # This month only: 99.94 % against 99.9 % leaves 1 − 0.06/0.1 = 40 % (with last month: 90.9 %, FAIL).
    assert report.attainment == pytest.approx(0.9994)
    assert report.budget_remaining == pytest.approx(0.40)
    progress = f"{period.label}, {period.days_in(now)} of {period.days()} days in"
    shown = (await monthly.command("show checkout-monthly", command="/slo"))["text"]
    assert f"Objective: 99.9 % over {period.label} (calendar month, Europe/Madrid)" in shown
    assert f"Period: {progress}" in shown
    await monthly.command("digest", command="/slo", channel=monthly.general)
    await monthly.settle()
    [digest] = [m for m in monthly.slack.messages(monthly.general) if m.blocks and "SLO digest" in str(m.blocks)]
    assert f"{progress}: 99.94 % vs 99.9 % · budget 40 % left" in str(digest.blocks)

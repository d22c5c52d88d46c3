"""`/report` through the Slack emulator says what `oncall-bot report` says, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.clock import utcnow
from bot.config.schema import parse_config
from bot.keys import scheduler_key
from bot.reports import slack
from bot.reports.period import last
from bot.reports.service import Reports
from storage.tables import Incident, Page
from tests.e2e.conftest import StartBot
from tests.e2e.test_metrics import scrape, value
from tests.e2e.test_oncall_command_line import cli
from tests.integration.test_report_figures import CONFIG, at, store_the_month


async def test_report_is_ephemeral_and_agrees_with_the_command_line(
    start_bot: StartBot, database_url: str, tmp_path: Path
) -> None:
    workspace = await start_bot(CONFIG)
    await store_the_month(workspace.database)
    answer = await workspace.command("90d", command="/report")
    assert answer["response_type"] == "ephemeral"
    reply = str(answer["text"])
    assert reply.startswith("*Operations review, 90d*\n• Incidents: ")
    assert "Secret" not in reply

    config = tmp_path / "oncall.yml"  # start_bot wrote it there
    code, out, err = await cli(
        "report", "--period", "90d", "--format", "json", database_url=database_url, config=config
    )
    assert code == 0, err
    data = json.loads(out)
    opened, resolved = data["totals"]["opened"], data["totals"]["resolved"]
    assert f"• Incidents: {opened} opened (" in reply and f"), {resolved} resolved\n" in reply
    pm = data["postmortems"]
    line = f"• Postmortems: {pm['drafted_on_time']} on time, {pm['drafted_late']} late, {pm['overdue']} overdue"
    assert line in reply

    report = await Reports(workspace.database, parse_config(CONFIG)).report(last("90d", now=utcnow()), now=utcnow())
    assert reply == slack.text(report)


async def test_a_bad_period_or_two_services_is_one_line(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    answer = await workspace.command("2w", command="/report")
    assert answer["text"] == (
        "`2w` is not a report period: use 7d, 30d or 90d, or a from/to pair of dates (like 2026-11-01)."
    )
    answer = await workspace.command("30d payments search", command="/report")
    assert answer["text"] == "Name one service, not 2 (`payments search`): `/report [7d|30d|90d] [service]`"


POSTED = (
    CONFIG
    + """
reports:
  - channel: "#ops-review"
    cron: "* * * * *"
    period: 90d
"""
)


async def test_the_scheduler_posts_the_report_once_with_its_chart_and_it_agrees_with_report(
    start_bot: StartBot, database_url: str, tmp_path: Path
) -> None:
    workspace = await start_bot(POSTED, sign_in=True)  # the web pages are served: the message links its page
    review = workspace.slack.add_channel("ops-review", creator=workspace.people.alice, members=[workspace.people.alice])
    await store_the_month(workspace.database)
    scheduler = workspace.server.app[scheduler_key]
    due = utcnow() + timedelta(minutes=1)
    assert (await scheduler.tick(due)).digests == 1
    assert (await scheduler.tick(due)).digests == 0  # once per run, whichever replica's tick comes next
    await workspace.settle()

    [posted] = [m for m in workspace.slack.messages(review) if m.blocks]
    [section, image] = posted.blocks
    chart = workspace.slack.files[image["slack_file"]["id"]]
    assert chart.content.startswith(b"\x89PNG") and chart.channels == []
    asked = await workspace.command("90d", command="/report")
    page = f"{str(workspace.server.make_url('/')).rstrip('/')}/reports?period=90d"
    assert section["text"]["text"] == posted.text == f"{asked['text']}\n<{page}|The full report>"
    assert "Secret" not in posted.text

    config = tmp_path / "oncall.yml"
    code, out, err = await cli(
        "report", "--period", "90d", "--format", "json", database_url=database_url, config=config
    )
    assert code == 0, err
    totals = json.loads(out)["totals"]
    assert f"• Incidents: {totals['opened']} opened (" in posted.text

    # the bot was down for two weeks of runs, one a minute: it posts one review when it is back, not thousands
    assert (await scheduler.tick(due + timedelta(days=15))).digests == 1
    await workspace.settle()
    assert len([m for m in workspace.slack.messages(review) if m.blocks]) == 2


async def test_metrics_hold_the_reports_times_by_severity_without_private_incidents(start_bot: StartBot) -> None:
    workspace = await start_bot(CONFIG)
    await store_the_month(workspace.database)
    now = utcnow()
    async with workspace.database.transaction() as session:  # the month is older than the metrics' 30 days
        for incident in (await session.exec(select(Incident))).all():
            shift = now - timedelta(days=3) - datetime(2026, 11, 30, tzinfo=UTC)
            incident.declared_at += shift
            for name in ("acknowledged_at", "resolved_at"):
                if getattr(incident, name) is not None:
                    setattr(incident, name, getattr(incident, name) + shift)
    samples = await scrape(workspace)
    # SEV2 in the last 30 days: INC-2 (15 min, 4 h); INC-6 ended more than 30 days back; INC-3 is private
    assert value(samples, "oncall_incident_time_to_acknowledge_seconds_count", severity="SEV2") == 1
    assert value(samples, "oncall_incident_time_to_resolve_seconds_count", severity="SEV2") == 1
    assert value(samples, "oncall_incident_time_to_resolve_seconds_sum", severity="SEV2") == 4 * 3600
    assert value(samples, "oncall_incident_time_to_resolve_seconds_bucket", severity="SEV2", le="7200.0") == 0
    assert value(samples, "oncall_incident_time_to_resolve_seconds_bucket", severity="SEV2", le="14400.0") == 1
    assert value(samples, "oncall_incident_time_to_acknowledge_seconds_bucket", severity="SEV1", le="300.0") == 1


async def test_a_posted_review_learns_a_paged_persons_zone_from_slack(start_bot: StartBot) -> None:
    workspace = await start_bot(POSTED)
    review = workspace.slack.add_channel("ops-review", creator=workspace.people.alice, members=[workspace.people.alice])
    dan = workspace.slack.add_user("dan", real_name="Dan Sato")
    workspace.slack.workspace.users[dan].tz = "Asia/Tokyo"
    await store_the_month(workspace.database)
    async with workspace.database.transaction() as session:
        # Tuesday 10 November, 15:00 UTC: 16:00 in Madrid (business hours), 00:00 in Tokyo (sleep hours)
        session.add(Page(escalation_id=1, incident_id=1, step=0, round=0, kind="user", target=dan, at=at(11, 10, 15)))
    period = last("90d", now=utcnow())
    reports = Reports(workspace.database, parse_config(CONFIG))
    [before] = [one for one in (await reports.report(period, now=utcnow())).load if one.person == dan]
    assert (before.zone, before.business, before.sleep) == (None, 1, 0)  # not known yet: the bot's zone

    assert (await workspace.server.app[scheduler_key].tick(utcnow() + timedelta(minutes=1))).digests == 1
    await workspace.settle()
    assert [m for m in workspace.slack.messages(review) if m.blocks]
    [after] = [one for one in (await reports.report(period, now=utcnow())).load if one.person == dan]
    assert (after.zone, after.business, after.sleep) == ("Asia/Tokyo", 0, 1)

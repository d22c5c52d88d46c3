"""SLOs as people meet them: measurements pushed over HTTP, `/slo` in Slack, burn alerts, and the digest."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from bot.keys import scheduler_key, slo_evaluator_key
from bot.slo.report import SloReport
from storage.tables import SloEvaluation, SloEvent
from storage.types import utcnow
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace
from tests.helpers import eventually

MADRID = ZoneInfo("Europe/Madrid")
CONFIG = """
timezone: Europe/Madrid
slos:
  - name: checkout-requests
    service: checkout
    objective: 99.9%
    window: 28d
    source: {type: events}
  - name: search-latency
    service: search
    kind: latency
    threshold: 300ms
    objective: 99%
    window: 7d
    source: {type: events}
  - name: checkout-uptime
    service: checkout
    objective: 99.5%
    window: 28d
    source: {type: incidents}
digests:
  - channel: "#slo-digest"
    cron: "0 9 * * MON"
"""


@pytest.fixture
async def slos(start_bot: StartBot) -> Workspace:
    workspace = await start_bot(CONFIG)
    workspace.slack.add_channel("slo-digest", creator=workspace.people.alice, members=[workspace.people.alice])
    return workspace


async def push(workspace: Workspace, name: str, body: Any, *, token: str | None = WEBHOOK_TOKEN) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with workspace.client.post(f"/api/v1/slos/{name}/events", json=body, headers=headers) as response:
        return response.status, await response.json()


async def stored_events(workspace: Workspace) -> int:
    async with workspace.database.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(SloEvent))).one())


async def evaluate(workspace: Workspace, at: datetime) -> list[SloReport]:
    reports = await workspace.server.app[slo_evaluator_key].evaluate_and_store(at=at)
    await workspace.settle()
    return reports


async def test_a_service_pushes_measurements_and_bad_ones_are_refused_with_the_field_named(slos: Workspace) -> None:
    status, body = await push(slos, "checkout-requests", {"good": 990, "total": 1000})
    assert status == 201
    assert (body["slo"], body["good"], body["total"]) == ("checkout-requests", 990, 1000)

    refusals = {
        "good above total": ({"good": 11, "total": 10}, 422, "good (11) cannot exceed total (10)"),
        "negative": ({"good": -1, "total": 10}, 422, "good"),
        "unknown field": ({"good": 1, "total": 1, "bad": 0}, 422, "bad is not a known field"),
        "count as text": ({"good": "5", "total": 10}, 422, "good"),
        "time without offset": ({"good": 1, "total": 1, "at": "yesterday"}, 422, "ISO 8601"),
        "time far ahead": ({"good": 1, "total": 1, "at": "2999-01-01T00:00:00Z"}, 422, "in the future"),
        "not an object": ([1, 2], 422, ""),
    }
    for case, (payload, expected_status, words) in refusals.items():
        status, body = await push(slos, "checkout-requests", payload)
        assert status == expected_status, case
        assert words in body["message"], (case, body)
        assert "Traceback" not in str(body)

    assert (await push(slos, "no-such-slo", {"good": 1, "total": 1}))[0] == 404
    status, body = await push(slos, "checkout-uptime", {"good": 1, "total": 1})
    assert status == 409 and "only SLOs with `source: {type: events}`" in body["message"]
    assert (await push(slos, "checkout-requests", {"good": 1, "total": 1}, token=None))[0] == 401
    assert (await push(slos, "checkout-requests", {"good": 1, "total": 1}, token="wrong"))[0] == 401
    async with slos.client.post(
        "/api/v1/slos/checkout-requests/events", data=b"{not json", headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    ) as response:
        assert response.status == 400
    assert await stored_events(slos) == 1  # only the good one


async def test_engineers_list_and_show_slos_in_slack_with_a_chart_of_the_budget(slos: Workspace) -> None:
    now = utcnow()
    await push(
        slos, "checkout-requests", {"good": 99_950, "total": 100_000, "at": (now - timedelta(days=2)).isoformat()}
    )
    await evaluate(slos, now - timedelta(days=1))
    await push(
        slos, "checkout-requests", {"good": 9_990, "total": 10_000, "at": (now - timedelta(hours=2)).isoformat()}
    )
    await evaluate(slos, now)

    listed = (await slos.command("list", command="/slo"))["text"]
    assert "checkout-requests" in listed and "search-latency" in listed and "checkout-uptime" in listed
    assert "no traffic in the window" in listed or "NO DATA" in listed  # search-latency has had nothing pushed

    shown = (await slos.command("show checkout-requests", command="/slo"))["text"]
    # 109,940 good of 110,000: 99.945 % against 99.9 %, so 45 % of the budget left
    assert "Objective: 99.9 %" in shown and "Attainment: 99.95 %" in shown
    assert "50 % → 45 %" in shown
    assert any(bar in shown for bar in "▁▂▃▄▅▆▇█")  # the sparkline of budget remaining

    unknown = (await slos.command("show nope", command="/slo"))["text"]
    assert "There is no SLO named 'nope'" in unknown
    wrong = (await slos.command("frobnicate", command="/slo"))["text"]
    assert "is not a /slo command" in wrong and "`/slo list`" in wrong


async def test_a_fast_burn_opens_an_incident_channel_for_the_service(slos: Workspace) -> None:
    now = utcnow()
    await push(slos, "checkout-requests", {"good": 700, "total": 1_000, "at": (now - timedelta(minutes=1)).isoformat()})

    [checkout, *_] = await evaluate(slos, now)

    assert checkout.fast_burn
    [channel] = slos.incident_channels()
    assert "checkout-requests" in channel.name or "slo" in channel.name
    posts = " ".join(slos.posts(channel.id))
    assert "burning its error budget" in posts


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def test_slo_digest_posts_one_message_with_the_budget_chart_to_the_channel(slos: Workspace) -> None:
    now = utcnow()
    for days in (20, 13, 6):
        at = now - timedelta(days=days)
        await push(slos, "checkout-requests", {"good": 99_980, "total": 100_000, "at": at.isoformat()})
        await push(slos, "search-latency", {"good": 995, "total": 1_000, "at": at.isoformat()})
        await evaluate(slos, at + timedelta(minutes=1))
    incident_channel = await slos.declare("Checkout returns 500s <!channel> sev1")
    await slos.command("service checkout", channel=incident_channel)
    await evaluate(slos, now)
    calls_before = len(slos.slack.calls)

    reply = await slos.command("digest", command="/slo", channel=slos.general)
    await slos.settle()

    assert reply["text"] == "The SLO digest is on its way to this channel."
    [digest] = [m for m in slos.slack.messages(slos.general) if m.blocks and "SLO digest" in str(m.blocks)]
    [image] = [block for block in digest.blocks if block["type"] == "image"]
    chart = slos.slack.files[image["slack_file"]["id"]]
    width, height = png_size(chart.content)
    assert width >= 800 and height >= 400
    assert 10_000 < len(chart.content) < 2_000_000
    assert chart.channels == []  # shown in the message, not shared as a second post
    text = str(digest.blocks)
    assert "checkout-requests" in text and "search-latency" in text and "checkout-uptime" in text
    assert "INC-1" in text and "<!channel>" not in text
    uploads = [call.method for call in slos.slack.calls[calls_before:] if call.method.startswith("files.")]
    assert uploads == ["files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_the_weekly_digest_goes_out_monday_at_nine_madrid_time_once(slos: Workspace) -> None:
    scheduler = slos.server.app[scheduler_key]
    now = utcnow()
    await push(slos, "checkout-requests", {"good": 1_000, "total": 1_000, "at": (now - timedelta(hours=1)).isoformat()})
    await evaluate(slos, now)
    local = now.astimezone(MADRID)
    monday = (local + timedelta(days=7 - local.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)

    def digests() -> list[str]:
        channel = slos.slack.channel_by_name("slo-digest")
        assert channel is not None
        return [m.text for m in slos.slack.messages(channel.id) if "SLO digest" in m.text]

    assert (await scheduler.tick(monday - timedelta(minutes=1))).digests == 0
    assert (await scheduler.tick(monday + timedelta(seconds=30))).digests == 1
    assert (await scheduler.tick(monday + timedelta(minutes=5))).digests == 0
    # the bot was down the whole next Monday; it sends one digest when it is back, not one per missed run
    assert (await scheduler.tick(monday + timedelta(days=15))).digests == 1
    await slos.settle()
    assert len(digests()) == 2


async def test_the_scheduler_evaluates_every_slo_at_start_and_exports_its_status(slos: Workspace) -> None:
    async def statuses() -> dict[str, float]:
        async with slos.client.get("/metrics") as response:
            text = await response.text()
        found = {}
        for line in text.splitlines():
            if line.startswith("oncall_slo_status{"):
                labels, value = line.rsplit(" ", 1)
                found[labels.split('slo="')[1].split('"')[0]] = float(value)
        assert len(found) == 3
        return found

    found = await eventually(statuses)

    assert found == {"checkout-requests": -1.0, "search-latency": -1.0, "checkout-uptime": 0.0}  # no traffic yet
    async with slos.database.transaction() as session:
        stored = {row.slo: row.status for row in (await session.exec(select(SloEvaluation))).all()}
    assert stored == {"checkout-requests": "NO_DATA", "search-latency": "NO_DATA", "checkout-uptime": "PASS"}

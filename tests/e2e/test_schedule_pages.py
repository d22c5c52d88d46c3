"""The schedule pages (/schedules, /schedules/<name>) and the calendar subscription (/schedules/<name>.ics?token=…).

Over HTTP against the running bot, on both databases; the timeline in headless Chromium at a phone's and a
desktop's width.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import ClientSession

from bot.schedules.clock import instant, wall
from tests.e2e.conftest import People, StartBot, Workspace
from tests.e2e.test_oncall_command_line import calendar_shifts, resolved
from tests.e2e.test_oncall_commands import MADRID, local, oncall, payments
from tests.e2e.test_web_pages import WEB_TOKEN, get
from tests.e2e.test_web_pages_layout import WIDTHS, chromium

BEARER = {"Authorization": f"Bearer {WEB_TOKEN}"}


def config(people: People) -> str:
    # A layer name is free text in ONCALL_CONFIG: the page must escape it.
    return payments(people).replace("name: primary", 'name: "<b>primary</b>"')


async def schedules(start_bot: StartBot) -> Workspace:
    """The payments rota and Carol's override from now for three hours, made in Slack; Sign in with Slack set up."""
    workspace = await start_bot(config, sign_in=True, web_token=WEB_TOKEN)
    end = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    made = await oncall(workspace, f"override payments <@{workspace.people.carol}> now {local(end)}")
    assert made.startswith("Override #1:"), made
    await workspace.settle()
    return workspace


def rows(page: str) -> dict[str, list[str]]:
    """Each timeline row's label and the text of its blocks, by the row's kind (layer, overrides, resolved)."""
    found: dict[str, list[str]] = {}
    for kind, label, track in re.findall(
        r'<div class="tl-row tl-(\w+)" data-row="\w+">\s*<div class="tl-label">(.*?)</div>(.*?)</div>\s*</div>',
        page,
        flags=re.S,
    ):
        blocks = re.findall(r'<span class="tl-block [^"]*" style="[^"]*" title="[^"]*">(.*?)</span>', track)
        found[f"{kind}:{label}"] = blocks
    return found


def subscription(page: str) -> str:
    [address] = re.findall(r"<code>(http://[^<]+\.ics\?token=[^<]+)</code>", page)
    parts = urlsplit(html.unescape(address))
    return f"{parts.path}?{parts.query}"


async def test_the_schedule_pages_need_a_session_and_show_the_timeline(start_bot: StartBot) -> None:
    workspace = await schedules(start_bot)
    alice, carol = workspace.people.alice, workspace.people.carol

    for path in ("/schedules", "/schedules/payments", "/schedules/database"):
        status, body, _ = await get(workspace, path)
        assert status == 401 and "Sign in with Slack" in body and carol not in body, path

    status, index, headers = await get(workspace, "/schedules", **BEARER)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert '<a href="/schedules/payments">payments</a>' in index and '<a href="/schedules/database">' in index
    assert '<a href="/schedules">Schedules</a>' in index  # in the navigation of every page
    assert carol in index  # on call now, by her override (no name cached yet: her id stands in)

    status, page, headers = await get(workspace, "/schedules/payments", **BEARER)
    assert status == 200 and "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "SAMEORIGIN" and headers["Cache-Control"] == "no-store"
    assert "<b>primary</b>" not in page
    shown = rows(page)
    assert list(shown) == ["layer:&lt;b&gt;primary&lt;/b&gt;", "overrides:Overrides", "resolved:On call"]
    assert shown["overrides:Overrides"] == [carol]
    # The window starts at today's midnight in Madrid: the rota began two hours ago, so a gap comes first
    # (unless it began before midnight), then Alice, Carol's override, Alice again, Bob, Carol, …
    midnight = instant(wall(datetime.now(UTC), MADRID).replace(hour=0, minute=0, second=0, microsecond=0), MADRID)
    on_call = shown["resolved:On call"]
    expected = [shift.people[0] for shift in await resolved(workspace, "payments", midnight, midnight + timedelta(14))]
    assert [block for block in on_call if block != "gap"] == expected
    assert expected[:3] == [alice, carol, alice]
    assert "Times in Europe/Madrid." in page
    assert re.search(r"\d{2} [A-Z][a-z]{2} \d\d:\d\d CET", page)  # shift times in the schedule's zone

    status, database, _ = await get(workspace, "/schedules/database", **BEARER)
    assert status == 200 and rows(database)["resolved:On call"][0] == "gap"  # Carol's rota starts in a month
    assert "nobody: a gap" in database and "Times in America/New_York." in database

    status, missing, _ = await get(workspace, "/schedules/billing", **BEARER)
    assert status == 404 and "There is no schedule named &#39;billing&#39;" in missing


async def test_the_subscription_serves_the_resolvers_shifts_to_whoever_has_the_token(start_bot: StartBot) -> None:
    workspace = await schedules(start_bot)
    _, page, _ = await get(workspace, "/schedules/payments", **BEARER)
    address = subscription(page)
    assert address.startswith("/schedules/payments.ics?token=")

    async with ClientSession(base_url=str(workspace.server.make_url("/"))) as http:  # no session, no bearer
        async with http.get(address) as response:
            body = await response.text()
            assert response.status == 200, body
            assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        events = calendar_shifts(body)
        expected = await resolved(workspace, "payments", now, now + timedelta(days=60))
        # The same shifts; the last one ends where the 60 days do, from the minute the bot answered in.
        assert events[:-1] == expected[:-1] and events[-1].start == expected[-1].start
        assert abs(events[-1].end - expected[-1].end) <= timedelta(minutes=1)
        assert events[0].people == (workspace.people.alice,) and events[1].people == (workspace.people.carol,)

        token = address.split("token=", 1)[1]
        _, other, _ = await get(workspace, "/schedules/database", **BEARER)
        for wrong in (
            "/schedules/payments.ics",
            "/schedules/payments.ics?token=",
            f"/schedules/payments.ics?token={token[:-1]}",
            f"/schedules/payments.ics?token={token}x",
            f"/schedules/billing.ics?token={token}",
            subscription(other).replace("/database.ics", "/payments.ics"),  # another schedule's secret
        ):
            async with http.get(wrong) as response:
                text = await response.text()
                assert response.status == 404, wrong
                assert "VCALENDAR" not in text and workspace.people.alice not in text, wrong
                assert "default-src 'none'" in response.headers["Content-Security-Policy"]


async def test_a_browser_draws_the_timeline_rows_on_a_phone_and_a_desktop(start_bot: StartBot, tmp_path: Path) -> None:
    workspace = await schedules(start_bot)
    base = str(workspace.server.make_url("/")).rstrip("/")
    async with chromium(tmp_path / "profile") as devtools:
        for width in WIDTHS:
            tab = await devtools.tab(width)
            assert await tab.open(f"{base}/auth/slack") == f"{base}/"  # Sign in with Slack, through the emulator
            await tab.click("header a[href='/schedules']")
            await tab.click("a[href='/schedules/payments']")
            await tab.fits(width)  # the timeline scrolls inside its box on a phone; the page does not
            labels = await tab.value("[...document.querySelectorAll('[data-row]')].map(r => r.dataset.row)")
            assert labels == ["layer", "overrides", "resolved"]
            assert await tab.value("document.querySelector('.tl-layer .tl-label').innerText") == "<b>primary</b>"
            # every block is drawn inside its track, with a width, and the resolved row's fill it end to end
            blocks = await tab.value(
                "[...document.querySelectorAll('.tl-resolved .tl-block')].map(b => {"
                " const r = b.getBoundingClientRect(), t = b.parentElement.getBoundingClientRect();"
                " return [r.left - t.left, r.width, t.width, b.innerText]; })"
            )
            assert blocks and all(width > 0 for _, width, _, _ in blocks)
            track = blocks[0][2]
            assert abs(sum(width for _, width, _, _ in blocks) - track) < 2
            assert [text for _, _, _, text in blocks if text != "gap"][:3] == [
                workspace.people.alice,
                workspace.people.carol,
                workspace.people.alice,
            ]
            override = await tab.box(".tl-overrides .tl-block")
            assert override["width"] > 0 and override["height"] > 10
            colour = await tab.value(
                "getComputedStyle(document.querySelector('.tl-overrides .tl-block')).backgroundColor"
            )
            assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # styled: the page's stylesheet applied

            await tab.open(f"{base}/schedules/database")
            gap = await tab.value(
                "getComputedStyle(document.querySelector('.tl-resolved .tl-block.gap')).backgroundImage"
            )
            assert "repeating-linear-gradient" in gap  # a gap is marked, not left blank

"""The web pages in headless Chromium at a phone's width (390 px) and a desktop's (1280 px).

Chromium is driven over the DevTools protocol (a WebSocket, aiohttp's client), so the test reads what a
person sees: the page's own width against the window's, the text shown, where links sit, what a click does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientWebSocketResponse

from tests.e2e.conftest import StartBot, Workspace
from tests.e2e.test_web_pages import (
    CHROMIUM,
    CONFIG,
    RUNBOOK,
    WEB_TOKEN,
    budget_history_with_an_outlier,
    declare_many,
    signed_in_get,
    talk_and_alert,
)

WIDTHS = (390, 1280)
LONG_LINK = "https://grafana.example.org/d/checkout-overview/checkout?orgId=1&from=now-6h&to=now&viewPanel=12&var-x=1"


class DevTools:
    """Chromium's DevTools connection: each command is sent and its answer awaited before the next."""

    def __init__(self, socket: ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def send(self, method: str, *, session: str | None = None, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session  # a command to one tab rather than to the browser
        await self._socket.send_json(message)
        while True:  # events arrive in between: they are skipped, a tab polls its page instead
            reply = json.loads((await self._socket.receive()).data)
            if reply.get("id") == number:
                assert "error" not in reply, (method, reply["error"])
                return dict(reply["result"])

    async def tab(self, width: int) -> Tab:
        """A tab the size of a phone (a mobile viewport) or of a desktop window."""
        target = (await self.send("Target.createTarget", url="about:blank"))["targetId"]
        session = (await self.send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        tab = Tab(self, session)
        await tab.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 700
        )
        return tab


class Tab:
    def __init__(self, devtools: DevTools, session: str) -> None:
        self._devtools = devtools
        self._session = session

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self._devtools.send(method, session=self._session, **params)

    async def value(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, (expression, result["exceptionDetails"])
        return result["result"].get("value")

    async def loaded(self, *, away_from: str | None = None) -> str:
        """Wait until the page (a new one, if `away_from` is the old address) has loaded; its address."""
        async with asyncio.timeout(20):
            while True:
                href, state = await self.value("[location.href, document.readyState]")
                if state == "complete" and href != away_from:
                    return str(href)
                await asyncio.sleep(0.05)

    async def open(self, url: str) -> str:
        await self.send("Page.navigate", url=url)
        return await self.loaded()

    async def click(self, selector: str) -> str:
        before = await self.value("location.href")
        assert await self.value(f"!!document.querySelector({json.dumps(selector)})"), f"nothing matches {selector}"
        await self.value(f"document.querySelector({json.dumps(selector)}).click()")
        return await self.loaded(away_from=before)

    async def text(self) -> str:
        return str(await self.value("document.body.innerText"))

    async def fits(self, width: int) -> None:
        """Nothing wider than the window: no sideways scrolling, and the viewport was not zoomed out to fit."""
        inner, scroll, body = await self.value(
            "[innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]"
        )
        where = await self.value("location.pathname + location.search")
        assert inner == width, f"{where}: the window is {inner} px wide, not {width}: the page was zoomed out"
        assert scroll <= inner and body <= inner, f"{where}: {scroll} px of page in a {inner} px window"

    async def box(self, selector: str) -> dict[str, float]:
        """Where the first element matching `selector` is drawn (left, right, width, height)."""
        found = await self.value(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " const r = e.getBoundingClientRect();"
            " return {left: r.left, right: r.right, width: r.width, height: r.height}; })()"
        )
        assert found, f"nothing matches {selector}"
        return dict(found)


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[DevTools]:
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"{CHROMIUM} is missing: run `make test` (the Makefile installs chromium)")
    process = await asyncio.create_subprocess_exec(
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        address = ""
        async with asyncio.timeout(30):
            while not address:
                line = (await process.stderr.readline()).decode(errors="replace")
                assert line, "chromium ended without opening its DevTools port"
                if found := re.search(r"DevTools listening on (ws://\S+)", line):
                    address = found.group(1)
        async with ClientSession() as http, http.ws_connect(address, max_msg_size=0) as socket:
            yield DevTools(socket)
    finally:
        process.kill()
        await process.wait()


@pytest.fixture
async def story(start_bot: StartBot) -> Workspace:
    """INC-1 with a conversation, INC-2 opened by an Alertmanager alert, 29 more, and an SLO's history."""
    workspace = await start_bot(CONFIG, sign_in=True, web_token=WEB_TOKEN)
    channel = await workspace.declare("Checkout <script>alert(1)</script> is down sev1")
    await workspace.slack.post_message(user=workspace.people.bob, channel=channel, text=f"Rolled back, see {LONG_LINK}")
    await talk_and_alert(workspace, channel)
    await declare_many(workspace, 29)
    await budget_history_with_an_outlier(workspace)
    await signed_in_get(workspace, "/incidents/INC-1/postmortem")  # looks everyone's name up
    return workspace


async def test_every_page_reads_well_on_a_phone_and_a_desktop(story: Workspace, tmp_path: Path) -> None:
    base = str(story.server.make_url("/")).rstrip("/")
    channel = story.incident_channels()[0]
    people = story.people
    async with chromium(tmp_path / "profile") as devtools:
        for width in WIDTHS:
            tab = await devtools.tab(width)
            # Sign in with Slack: to the emulator's authorize page and back, signed in
            assert await tab.open(f"{base}/auth/slack") == f"{base}/"
            await tab.fits(width)
            # a phone stacks the list's rows into blocks; a desktop keeps the table
            shown = await tab.value("getComputedStyle(document.querySelector('tbody td')).display")
            assert shown == ("block" if width < 700 else "table-cell"), width

            # filters: choose, submit, and the choice stays in the form; the next page keeps it
            await tab.value("document.querySelector('input[name=q]').value = 'checkout'")
            address = await tab.click(".filters button")
            found = re.search(r"(\d+) incidents match · page 1 of 2", await tab.text())
            assert "q=checkout" in address and found, address
            await tab.fits(width)
            address = await tab.click("a[rel=next]")
            assert "q=checkout" in address and "page=2" in address
            assert await tab.value("document.querySelector('input[name=q]').value") == "checkout"
            assert await tab.value("document.querySelectorAll('tbody tr').length") == int(found.group(1)) - 25
            await tab.click("a[rel=prev]")
            await tab.value("document.querySelector('select[name=severity]').value = 'SEV1'")
            address = await tab.click(".filters button")
            rows = await tab.value("[...document.querySelectorAll('tbody tr')].map(r => r.innerText)")
            assert "severity=SEV1" in address and rows and all("SEV1" in row and "heckout" in row for row in rows)

            await tab.open(f"{base}/incidents/INC-1")
            await tab.fits(width)
            text = await tab.text()
            assert "@bob the error rate is back up" in text and "carol" in text
            assert people.bob not in text and people.carol not in text and "<@" not in text
            assert re.search(r"\d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d(:\d\d)? CET", text)
            link = await tab.box(f'a[href="https://slack.com/app_redirect?channel={channel.id}"]')
            assert link["width"] > 0 and link["right"] <= width
            assert f"#{channel.name}" in text

            await tab.open(f"{base}/incidents/INC-2")
            await tab.fits(width)
            card = await tab.value("document.querySelector('.alert').innerText")
            assert "CheckoutErrors" in card and "service=checkout" in card and "team=payments" in card
            assert await tab.value("document.querySelector('.alert a.runbook').href") == RUNBOOK
            runbook = await tab.box(".alert a.runbook")
            assert runbook["width"] > 0 and runbook["right"] <= width

            await tab.open(f"{base}/slos")
            await tab.fits(width)
            await tab.click("a[href='/slos/checkout-requests']")
            await tab.fits(width)
            chart = await tab.box("figure.chart svg")
            assert chart["width"] >= min(300, width - 40) and chart["right"] <= width and chart["height"] > 100
            assert await tab.value("!!document.querySelector('figure.chart svg #outliers-low')")
            assert "1 value outside the range shown" in await tab.text()

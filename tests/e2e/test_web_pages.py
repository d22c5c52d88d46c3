"""The read-only web pages: closed until one signs in with Slack (or sends WEB_TOKEN), in a real browser too."""

from __future__ import annotations

import asyncio
import html
import os
import re
import struct
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar

from bot.keys import slo_evaluator_key
from storage.types import utcnow
from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.browser import Browser
from tests.e2e.conftest import WEBHOOK_TOKEN, StartBot, Workspace

WEB_TOKEN = "web-token-0123456789abcdef"
CHROMIUM = Path("/usr/bin/chromium")
CONFIG = """
timezone: Europe/Madrid
slos:
  - name: checkout-requests
    service: checkout
    objective: 99.9%
    window: 28d
    source: {type: events}
"""
RUNBOOK = "https://runbooks.example.org/checkout/errors-in-the-payment-step-when-the-card-provider-times-out"
# A date as a reader in Madrid needs it: day, month, year, time and zone.
MADRID_DATE = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d (CET|CEST)\b")


@pytest.fixture
async def pages(start_bot: StartBot) -> Workspace:
    workspace = await start_bot(CONFIG, sign_in=True, web_token=WEB_TOKEN)
    channel = await workspace.declare("Checkout <script>alert(1)</script> is down sev1")
    await workspace.slack.post_message(user=workspace.people.bob, channel=channel, text="Rolled back 4.2")
    await workspace.settle()
    return workspace


async def get(workspace: Workspace, path: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    async with (
        ClientSession(base_url=str(workspace.server.make_url("/"))) as http,
        http.get(path, headers=headers, allow_redirects=False) as response,
    ):
        return response.status, await response.text(errors="replace"), dict(response.headers)


async def test_without_signing_in_every_page_is_the_login_page_and_shows_no_data(pages: Workspace) -> None:
    for path in ("/", "/incidents/INC-1", "/incidents/INC-1/postmortem", "/slos", "/slos/chart.png"):
        status, body, _ = await get(pages, path)
        assert status == 401, path
        assert "Sign in with Slack" in body
        assert "Checkout" not in body and "INC-1" not in body

    status, _, _ = await get(pages, "/", Authorization="Bearer not-the-token-at-all")
    assert status == 401
    # a session key is random, not derived from the token: the token does not open the door as a cookie
    status, _, _ = await get(pages, "/", Cookie=f"oncall_session={WEB_TOKEN}")
    assert status == 401


async def test_signing_in_sets_a_session_cookie_and_shows_incidents_timeline_and_postmortem(pages: Workspace) -> None:
    session = await session_cookie(pages)

    status, index, headers = await get(pages, "/", Cookie=session)
    assert status == 200 and "1 open incident," in index and "INC-1" in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "<script>alert" not in index
    assert '<td data-label="Messages" class="nowrap">1 message</td>' in index  # Bob's, in the singular
    assert headers["Cache-Control"] == "no-store"

    status, incident, _ = await get(pages, "/incidents/INC-1", Authorization=f"Bearer {WEB_TOKEN}")
    assert status == 200 and "Rolled back 4.2" in incident and "Timeline" in incident
    status, postmortem, _ = await get(pages, "/incidents/INC-1/postmortem", Cookie=session)
    assert status == 200 and "Postmortem" in postmortem and "<script>alert" not in postmortem
    status, missing, _ = await get(pages, "/incidents/INC-9", Cookie=session)
    assert status == 404 and "There is no incident INC-9." in missing


async def test_the_slo_page_lists_each_slo_with_a_chart(pages: Workspace) -> None:
    status, body, _ = await get(pages, "/slos", Cookie=await session_cookie(pages))
    assert status == 200 and "checkout-requests" in body and "/slos/chart.png" in body

    async with (
        ClientSession(base_url=str(pages.server.make_url("/"))) as http,
        http.get("/slos/chart.png", headers={"Authorization": f"Bearer {WEB_TOKEN}"}) as response,
    ):
        png = await response.read()
    assert response.content_type == "image/png" and png.startswith(b"\x89PNG")


async def session_cookie(workspace: Workspace) -> str:
    """Sign in with Slack (the emulator's first person); the Cookie header that carries the session."""
    async with Browser(workspace) as browser:
        await browser.sign_in()
        return f"oncall_session={browser.session()}"


async def chromium(*arguments: str, profile: Path) -> bytes:
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"{CHROMIUM} is missing: run `make test` (the Makefile installs chromium)")
    process = await asyncio.create_subprocess_exec(
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 0, stderr.decode(errors="replace")[-2000:]
    return stdout


async def test_a_real_browser_signs_in_and_sees_the_incidents(pages: Workspace, tmp_path: Path) -> None:
    # "Sign in with Slack": to the emulator's authorize page, which signs its first person in, and back
    login = str(pages.server.make_url("/auth/slack"))

    dom = (await chromium("--dump-dom", login, profile=tmp_path / "dom")).decode()
    shot = tmp_path / "incidents.png"
    await chromium("--window-size=1280,900", f"--screenshot={shot}", login, profile=tmp_path / "shot")

    assert "1 open incident," in dom and "Checkout" in dom
    content = shot.read_bytes()
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", content[16:24]) == (1280, 900)
    import matplotlib.image

    pixels = matplotlib.image.imread(str(shot))[:, :, :3]
    colours = {tuple(row) for row in (pixels.reshape(-1, 3) * 255).astype(int)[::97].tolist()}
    assert len(colours) > 20  # text, badges and the header bar: not a blank page
    header = pixels[10, 640]
    assert header[0] > 0.5 and header[1] < 0.3  # the red header bar is there: the page was styled


async def test_the_demo_prints_a_login_link_that_opens_its_pages(tmp_path: Path) -> None:
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        "-m",
        "handlers.cli.main",
        "demo",
        "--serve-for",
        "60",
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert demo.stdout is not None
        link = ""
        async with asyncio.timeout(60):
            while not link:
                line = (await demo.stdout.readline()).decode()
                assert line, "the demo ended without printing a login link"
                if line.startswith("Web pages: "):
                    link = line.removeprefix("Web pages: ").strip()
        # a cookie jar that, like a browser, keeps cookies from an IP address; follows the redirect with it
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http, http.get(link) as response:
            page = await response.text()
        assert response.status == 200 and "INC-1" in page and "Checkout API returns 500s" in page
    finally:
        demo.terminate()
        await demo.wait()


async def signed_in_get(workspace: Workspace, path: str) -> tuple[int, str]:
    status, body, _ = await get(workspace, path, Authorization=f"Bearer {WEB_TOKEN}")
    return status, body


async def talk_and_alert(workspace: Workspace, channel: str) -> None:
    """People talk in INC-1's channel, naming each other and channels; an Alertmanager alert opens INC-2."""
    people = workspace.people
    await workspace.command(f"assign commander <@{people.bob}>", channel=channel)
    await workspace.slack.post_message(
        user=people.carol,
        channel=channel,
        text=f"<@{people.bob}> the error rate is back up, see <#{channel}> and <#{workspace.general}|general>",
    )
    alert = am_alert("CheckoutErrors", instance="checkout-7:8080", runbook=RUNBOOK, service="checkout", team="payments")
    assert (await workspace.webhook("alertmanager", am_group([alert]))).status == 200
    await workspace.settle()


async def test_an_incident_page_names_people_links_its_channel_and_shows_its_alerts(pages: Workspace) -> None:
    channel = pages.incident_channels()[0]
    await talk_and_alert(pages, channel.id)
    bob = pages.people.bob

    _, before = await signed_in_get(pages, "/incidents/INC-1")
    assert f"@{bob}" in before  # nobody has looked Bob up yet: his id stands in for his name

    await signed_in_get(pages, "/incidents/INC-1/postmortem")  # the postmortem looks everyone up, once
    status, page = await signed_in_get(pages, "/incidents/INC-1")
    assert status == 200
    # names as Slack shows them (the display name), in the text and as who wrote it
    assert '<span class="person">@bob</span> the error rate is back up' in page
    assert '<td data-label="Who" class="muted">carol</td>' in page
    assert bob not in page and pages.people.carol not in page and "&lt;@" not in page
    assert f'href="https://slack.com/app_redirect?channel={channel.id}">#{channel.name}</a>' in page
    assert "#general</a>" in page  # a channel named in the message itself
    assert "2 messages" in page  # Bob's and Carol's
    assert MADRID_DATE.search(page), "dates carry their year and zone"

    status, alerted = await signed_in_get(pages, "/incidents/INC-2")
    assert status == 200 and "<h2>Alerts (1)</h2>" in alerted
    card = alerted[alerted.index('<section class="card alert">') :]
    card = card[: card.index("</section>")]
    assert "<h3>CheckoutErrors</h3>" in card and "critical" in card and "firing" in card
    assert "CheckoutErrors on checkout-7:8080" in card and "has been true for 5 minutes" in card
    for label in ("service=checkout", "instance=checkout-7:8080", "team=payments"):
        assert f"<li>{label}</li>" in card
    assert f'<a class="runbook" href="{RUNBOOK}">Runbook</a>' in card
    assert 'href="http://prometheus.example.org:9090/graph?g0.expr=CheckoutErrors">Source</a>' in card
    assert MADRID_DATE.search(card)


async def test_an_annotation_that_is_not_a_web_address_is_never_a_link(pages: Workspace) -> None:
    alert = am_alert("DiskFull", runbook="javascript:alert(document.cookie)")
    assert (await pages.webhook("alertmanager", am_group([alert]))).status == 200
    await pages.settle()
    _, page = await signed_in_get(pages, "/incidents/INC-2")
    assert "<h3>DiskFull</h3>" in page and "javascript:" not in page and "no runbook or source link" not in page


async def declare_many(workspace: Workspace, count: int) -> None:
    """INC-2 … INC-(count+1) beside the fixture's INC-1: titles, severities, services and statuses vary."""
    for n in range(2, count + 2):
        title = f"Search errors {n}" if n % 10 == 0 else f"Checkout slow {n}"
        await workspace.command(f"declare {title} {'sev1' if n % 5 == 0 else 'sev3'}")
    for n in range(2, count + 2):
        if n % 3 == 0:
            await workspace.command(f"service INC-{n} payments")
        if n % 4 == 0:
            await workspace.command(f"resolve INC-{n}")
    # Not waiting for their channels and announcements (the bot paces those at Slack's rate, a minute's
    # worth): the list reads what the commands committed.


def listed(page: str) -> list[str]:
    return re.findall(r'<td data-label="Incident"[^>]*><a href="/incidents/(INC-\d+)">', page)


async def test_the_incident_list_comes_a_page_at_a_time_filtered_by_status_severity_service_and_text(
    pages: Workspace,
) -> None:
    await declare_many(pages, 29)  # 30 in all; INC-4, 8, … 28 resolved
    resolved = {f"INC-{n}" for n in range(4, 31, 4)}

    _, first = await signed_in_get(pages, "/")
    assert "23 open incidents, listed first." in first and "30 incidents · page 1 of 2" in first
    shown = listed(first)
    assert len(shown) == 25 and shown[0] == "INC-30" and not resolved & set(shown[:23])
    assert shown[23:] == ["INC-28", "INC-24"]  # then the resolved ones, newest first
    assert 'rel="next" href="/?page=2"' in first and 'rel="prev"' not in first
    _, second = await signed_in_get(pages, "/?page=2")
    assert listed(second) == ["INC-20", "INC-16", "INC-12", "INC-8", "INC-4"]
    assert 'rel="prev" href="/"' in second and 'rel="next"' not in second

    # "checkout" in any case, in the title or the summary; the next page keeps the filter
    _, checkout = await signed_in_get(pages, "/?q=CHECKOUT")
    assert "27 incidents match · page 1 of 2" in checkout  # INC-1's title says Checkout too
    assert 'rel="next" href="/?q=CHECKOUT&amp;page=2"' in checkout
    _, rest = await signed_in_get(pages, "/?q=CHECKOUT&page=2")
    assert len(listed(rest)) == 2 and 'rel="prev" href="/?q=CHECKOUT"' in rest
    assert "Search errors" not in checkout + rest

    _, sev1 = await signed_in_get(pages, "/?severity=sev1&status=open")
    assert set(listed(sev1)) == {"INC-1", "INC-5", "INC-10", "INC-15", "INC-25", "INC-30"}  # INC-20 is resolved
    assert '<option value="SEV1" selected>' in sev1 and '<option value="open" selected>' in sev1
    _, payments = await signed_in_get(pages, "/?service=payments&status=resolved")
    assert set(listed(payments)) == {"INC-12", "INC-24"}
    _, literal = await signed_in_get(pages, "/?q=%25")  # a % is a percent sign, not a wildcard
    assert listed(literal) == [] and "No incident matches these filters." in literal
    _, one = await signed_in_get(pages, "/?q=search+errors+20")
    assert listed(one) == ["INC-20"] and "1 incident matches" in one

    for address, words in {
        "/?severity=sev9": "severity 'sev9' is not known: use SEV1, SEV2, SEV3 or SEV4.",
        "/?status=done": "status 'done' is not known: use one of open, investigating,",
        "/?page=two": "page 'two' is not a page number",
    }.items():
        status, body = await signed_in_get(pages, address)
        assert status == 400 and words in html.unescape(body) and "Traceback" not in body, address
    _, beyond = await signed_in_get(pages, "/?page=9")
    assert "Page 9 is past the end: the last is" in beyond and 'href="/?page=2"' in beyond


async def push(workspace: Workspace, good: int, total: int, *, ago: timedelta) -> None:
    body = {"good": good, "total": total, "at": (utcnow() - ago).isoformat()}
    headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    async with workspace.client.post("/api/v1/slos/checkout-requests/events", json=body, headers=headers) as response:
        assert response.status == 201, await response.text()


async def budget_history_with_an_outlier(workspace: Workspace) -> None:
    """The SLO's first evaluation sees 10 requests, half failed (-49,900 % of budget); then it settles near 97 %."""
    now = utcnow()
    await push(workspace, 5, 10, ago=timedelta(days=6))
    await workspace.server.app[slo_evaluator_key].evaluate_and_store(at=now - timedelta(days=6) + timedelta(minutes=5))
    for day in (5, 4, 3, 2, 1, 0):
        await push(workspace, 999_990, 1_000_000, ago=timedelta(days=day, hours=1))
        await workspace.server.app[slo_evaluator_key].evaluate_and_store(at=now - timedelta(days=day))


async def test_each_slo_has_its_own_page_whose_chart_an_outlier_does_not_flatten(pages: Workspace) -> None:
    _, empty = await signed_in_get(pages, "/slos/checkout-requests")
    assert "No history yet" in empty and "<svg" not in empty

    await budget_history_with_an_outlier(pages)
    _, listing = await signed_in_get(pages, "/slos")
    assert '<a href="/slos/checkout-requests">checkout-requests</a>' in listing

    status, page = await signed_in_get(pages, "/slos/checkout-requests")
    assert status == 200 and "Objective</dt><dd>99.9 % over 4w" in page
    assert MADRID_DATE.search(page)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'id="outliers-low"' in svg and "-49,900 %" in svg  # marked at the edge, with its real value
    assert "1 value outside the range shown" in page
    # the axis spans the settled values (about 99 % to 100 %), not -49,900 % to 100 %
    low, high = re.search(r"outside the range shown \((-?[\d.]+) % to (-?[\d.]+) %\)", page).groups()  # type: ignore[union-attr]
    assert 90 <= float(low) <= 99.5 and 100 <= float(high) <= 105
    assert "is marked ▼ at the bottom edge, with its real value." in " ".join(page.split())

    status, missing = await signed_in_get(pages, "/slos/no-such-slo")
    assert status == 404 and "There is no SLO named &#39;no-such-slo&#39;" in missing

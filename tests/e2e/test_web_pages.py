"""The read-only web pages: closed until one signs in with Slack (or sends WEB_TOKEN), in a real browser too."""

from __future__ import annotations

import asyncio
import os
import struct
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar

from tests.e2e.browser import Browser
from tests.e2e.conftest import StartBot, Workspace

WEB_TOKEN = "web-token-0123456789abcdef"
CHROMIUM = Path("/usr/bin/chromium")
CONFIG = """
slos:
  - name: checkout-requests
    service: checkout
    objective: 99.9%
    source: {type: events}
"""


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
    assert status == 200 and "Open incidents (1)" in index and "INC-1" in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "<script>alert" not in index
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

    assert "Open incidents (1)" in dom and "Checkout" in dom
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
        "bot.cli",
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

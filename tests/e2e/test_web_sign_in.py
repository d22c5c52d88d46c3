"""Sign in with Slack for the web pages: a session per person, that expires, ends at logout, and knows who looks.

The bot runs over real HTTP against the emulator, which plays Slack's authorize page and its
`openid.connect.token` method; sessions are stored in SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update
from sqlmodel import select

from storage.tables import WebSession
from tests.e2e.browser import Browser
from tests.e2e.conftest import People, StartBot, Workspace

WEB_TOKEN = "web-token-for-automation-0123456789"
PRIVATE = "Payroll keys leaked"


def admins(people: People) -> str:
    return f"permissions:\n  admins: [{people.carol}]\n"


@pytest.fixture
async def pages(start_bot: StartBot) -> Workspace:
    """INC-1 is private (alice's), INC-2 public; carol is an admin, bob neither."""
    workspace = await start_bot(admins, sign_in=True, web_token=WEB_TOKEN)
    await workspace.command(f"declare --private {PRIVATE} sev1")
    await workspace.declare("Search is slow sev3", user=workspace.people.bob)
    await workspace.settle()
    return workspace


async def sessions(workspace: Workspace) -> list[WebSession]:
    async with workspace.database.transaction() as session:
        return list((await session.exec(select(WebSession))).all())


async def age(workspace: Workspace, *, seen: timedelta = timedelta(0), created: timedelta = timedelta(0)) -> None:
    """Every stored session was last used `seen` ago and started `created` ago."""
    now = datetime.now(UTC)
    async with workspace.database.transaction() as session:
        await session.exec(update(WebSession).values(last_seen_at=now - seen, created_at=now - created))


async def test_signing_in_with_slack_opens_the_pages_with_a_session_of_ones_own(pages: Workspace) -> None:
    async with Browser(pages) as browser:
        assert "Sign in with Slack" in (await browser.get("/")).text

        to_slack = await browser.to_slack()
        authorize = urlsplit(to_slack.location)
        asked = {name: values[0] for name, values in parse_qs(authorize.query).items()}
        assert to_slack.status == 302 and authorize.path == "/openid/connect/authorize"
        assert asked["client_id"] == pages.slack.client_id and asked["response_type"] == "code"
        assert set(asked["scope"].replace(",", " ").split()) == {"openid", "profile", "email"}
        assert asked["redirect_uri"] == str(pages.server.make_url("/auth/slack/callback"))
        assert asked["team"] == pages.slack.team_id and asked["state"] and asked["nonce"]
        state_cookie = to_slack.cookies["oncall_sign_in"]
        assert state_cookie["httponly"] and state_cookie["samesite"] == "Lax"

        back = await browser.at_slack(to_slack.location)
        assert back.query()["state"] == asked["state"] and back.query()["code"]
        signed_in = await browser.get(back.location)
        assert signed_in.status == 303 and signed_in.location == "/"
        cookie = signed_in.cookies["oncall_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
        assert cookie["max-age"] == str(7 * 24 * 3600)

        index = await browser.get("/")
        assert index.status == 200 and "INC-2" in index.text
        first = browser.session()

        await browser.sign_in()  # signing in again ends the session it replaces
        replaced, first = first, browser.session()
        assert first != replaced
    async with Browser(pages) as copy:
        assert (await copy.get("/", Cookie=f"oncall_session={replaced}")).status == 401

    async with Browser(pages) as again:
        await again.sign_in()
        assert again.session() != first and (await again.get("/")).status == 200
    # the database holds only a hash of each key: reading it opens no session
    stored = await sessions(pages)
    assert sorted(row.key_hash for row in stored) == sorted(
        hashlib.sha256(key.encode()).hexdigest() for key in (first, again.session())
    )
    assert {row.user_id for row in stored} == {pages.people.alice}


async def test_a_callback_this_browser_did_not_start_is_refused(pages: Workspace) -> None:
    async with Browser(pages) as victim, Browser(pages) as attacker:
        # the attacker starts a sign-in, and sends the victim the link Slack sends back (login CSRF)
        back = await attacker.at_slack((await attacker.to_slack()).location, login_as=pages.people.bob)
        refused = await victim.get(back.location)
        assert refused.status == 403 and "not started in this browser" in refused.text
        assert "oncall_session" not in refused.cookies and (await victim.get("/")).status == 401

        # a state changed on the way back is refused too, and so is a state used once already
        started = await victim.to_slack()
        back = await victim.at_slack(started.location)
        tampered = back.location.replace(back.query()["state"], "not-the-state")
        assert (await victim.get(tampered)).status == 403
        assert (await victim.get(back.location)).status == 303
        victim.http.cookie_jar.update_cookies({"oncall_sign_in": started.cookies["oncall_sign_in"].value})
        replayed = await victim.get(back.location)
        assert replayed.status == 403 and "expired or was already used" in replayed.text

        # pressing Cancel on Slack's page
        cancelled = await victim.get(f"/auth/slack/callback?error=access_denied&state={back.query()['state']}")
        assert cancelled.status == 401 and "Slack did not sign you in (access_denied)" in cancelled.text


async def test_a_person_of_another_workspace_is_refused(pages: Workspace) -> None:
    async with Browser(pages) as browser:
        refused = await browser.sign_in(as_user="U0STRANGER", team="T0ELSEWHERE")
        assert refused.status == 403 and "another Slack workspace" in refused.text
        assert browser.session() == "" and (await browser.get("/")).status == 401
    assert await sessions(pages) == []


async def test_a_wrong_client_secret_is_named(start_bot: StartBot) -> None:
    workspace = await start_bot(sign_in=True, slack_client_secret="not-the-client-secret-0123")
    async with Browser(workspace) as browser:
        refused = await browser.sign_in()
    assert refused.status == 403 and "Slack refused the sign-in (bad_client_secret)" in refused.text


async def test_sessions_end_when_idle_and_at_their_absolute_lifetime(pages: Workspace) -> None:
    async with Browser(pages) as browser:
        await browser.sign_in()

        await age(pages, seen=timedelta(hours=11), created=timedelta(days=6))
        assert (await browser.get("/")).status == 200  # used within 12 hours, started within 7 days
        [row] = await sessions(pages)
        assert datetime.now(UTC) - row.last_seen_at < timedelta(minutes=1)  # and using it keeps it alive

        await age(pages, seen=timedelta(hours=12, minutes=1))
        assert (await browser.get("/")).status == 401
        assert await sessions(pages) == []  # an expired session is gone, not just refused

        await browser.sign_in()
        await age(pages, created=timedelta(days=7, minutes=1))  # busy, but too old
        assert (await browser.get("/")).status == 401


async def test_logging_out_ends_the_session_on_the_server(pages: Workspace) -> None:
    for method in ("post", "get"):  # the Sign out button, and a plain link
        async with Browser(pages) as browser:
            await browser.sign_in()
            key = browser.session()
            signed_out = await (browser.post if method == "post" else browser.get)("/logout")
            assert signed_out.status == 303 and signed_out.location == "/login"
            assert signed_out.cookies["oncall_session"].value == ""
        async with Browser(pages) as copy:  # someone kept a copy of the cookie
            refused = await copy.get("/", Cookie=f"oncall_session={key}")
            assert refused.status == 401, method
    assert await sessions(pages) == []


@pytest.mark.parametrize("trusted", [False, True])
async def test_cookies_are_secure_behind_an_https_proxy_only_when_it_is_trusted(
    start_bot: StartBot, trusted: bool
) -> None:
    workspace = await start_bot(sign_in=True, trusted_proxies="127.0.0.1/32" if trusted else "")
    async with Browser(workspace) as browser:
        over_https = {"X-Forwarded-Proto": "https"}
        started = await browser.to_slack(**over_https)
        back = await browser.at_slack(started.location)
        # a browser on HTTPS sends a Secure cookie back; this client is on plain HTTP, so it is sent by hand
        state = f"oncall_sign_in={started.cookies['oncall_sign_in'].value}"
        signed_in = await browser.get(back.location, Cookie=state, **over_https)
    assert bool(started.cookies["oncall_sign_in"]["secure"]) is trusted
    assert bool(signed_in.cookies["oncall_session"]["secure"]) is trusted


async def test_cookies_are_secure_when_the_pages_are_published_over_https(start_bot: StartBot) -> None:
    workspace = await start_bot(sign_in=True, web_base_url="https://oncall.example.com")
    async with Browser(workspace) as browser:
        started = await browser.to_slack()
    assert started.cookies["oncall_sign_in"]["secure"]
    assert "redirect_uri=https://oncall.example.com/auth/slack/callback" in started.location


async def test_sign_in_attempts_are_limited_per_client_address(start_bot: StartBot) -> None:
    workspace = await start_bot(sign_in=True, web_token=WEB_TOKEN, trusted_proxies="127.0.0.1")
    async with Browser(workspace) as browser:
        first = [await browser.to_slack(**{"X-Forwarded-For": "198.51.100.7"}) for _ in range(10)]
        assert [answer.status for answer in first] == [302] * 10
        refused = await browser.to_slack(**{"X-Forwarded-For": "198.51.100.7"})
        assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "Too many sign-in attempts" in refused.text
        # guessing the bearer from there is refused the same way
        guess = await browser.get(
            "/", Authorization="Bearer guess-0123456789abcdef", **{"X-Forwarded-For": "198.51.100.7"}
        )
        assert guess.status == 429
        # a client the proxy forwards from another address has its own budget
        assert (await browser.to_slack(**{"X-Forwarded-For": "203.0.113.9"})).status == 302


async def test_a_forged_forwarded_address_does_not_escape_the_limit(start_bot: StartBot) -> None:
    workspace = await start_bot(sign_in=True)  # no trusted proxy: X-Forwarded-For is the client's own claim
    async with Browser(workspace) as browser:
        statuses = [(await browser.to_slack(**{"X-Forwarded-For": f"10.0.0.{n}"})).status for n in range(11)]
    assert statuses == [302] * 10 + [429]


async def test_the_web_token_is_a_bearer_for_automation_that_sees_public_incidents_only(pages: Workspace) -> None:
    async with Browser(pages) as robot:
        bearer = {"Authorization": f"Bearer {WEB_TOKEN}"}
        index = await robot.get("/", **bearer)
        assert index.status == 200 and "INC-2" in index.text and PRIVATE not in index.text
        assert (await robot.get("/incidents/INC-1", **bearer)).status == 404
        assert (await robot.get("/incidents/INC-2", **bearer)).status == 200
        # the token in an address signs nobody in: it would be written to browser history and logs
        link = await robot.get(f"/login?token={WEB_TOKEN}")
        assert "oncall_session" not in link.cookies and (await robot.get("/")).status == 401


async def test_a_private_incident_opens_for_members_and_admins_and_is_a_404_for_others(pages: Workspace) -> None:
    people = pages.people
    for person, sees in ((people.alice, True), (people.carol, True), (people.bob, False)):
        async with Browser(pages) as browser:
            pages.slack.sign_in_as(person)
            await browser.sign_in()
            index = await browser.get("/")
            assert index.status == 200 and "INC-2" in index.text
            assert (PRIVATE in index.text) is sees, person
            assert ("2 open incidents" if sees else "1 open incident,") in index.text  # counted only where listed
            for path in ("/incidents/{}", "/incidents/{}/postmortem"):
                private, nowhere = await browser.get(path.format("INC-1")), await browser.get(path.format("INC-99"))
                if sees:
                    assert private.status == 200 and PRIVATE in private.text, (person, path)
                else:  # the very page a number nobody declared gets
                    assert (private.status, private.text) == (404, nowhere.text.replace("INC-99", "INC-1")), path

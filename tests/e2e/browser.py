"""A browser for the web pages: keeps cookies like one, and signs in with Slack through the emulator."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientResponse, ClientSession, CookieJar

from tests.e2e.conftest import Workspace


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    headers: dict[str, str]
    cookies: SimpleCookie  # what this answer set (Set-Cookie), with its attributes

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def query(self) -> dict[str, str]:
        """The query of the address this answer redirects to."""
        return {name: values[0] for name, values in parse_qs(urlsplit(self.location).query).items()}


class Browser:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        # unsafe: keep cookies of an IP address (127.0.0.1), as a browser does
        self.http = ClientSession(cookie_jar=CookieJar(unsafe=True))

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.http.close()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else str(self.workspace.server.make_url(path))

    async def get(self, path: str, **headers: str) -> Answer:
        async with self.http.get(self.url(path), headers=headers, allow_redirects=False) as response:
            return await _answer(response)

    async def post(self, path: str, **headers: str) -> Answer:
        async with self.http.post(self.url(path), headers=headers, allow_redirects=False) as response:
            return await _answer(response)

    async def to_slack(self, **headers: str) -> Answer:
        """Press "Sign in with Slack": the bot's redirect to Slack's authorize page."""
        return await self.get("/auth/slack", **headers)

    async def at_slack(self, authorize: str, **extra: str) -> Answer:
        """Slack's authorize page (`login_as`, `login_team`: who signs in there); it redirects back."""
        return await self.get(authorize + "".join(f"&{name}={value}" for name, value in extra.items()))

    async def sign_in(self, *, as_user: str | None = None, team: str | None = None, **headers: str) -> Answer:
        """The whole round trip; the answer is the bot's callback (a redirect to / once signed in)."""
        extra = {**({"login_as": as_user} if as_user else {}), **({"login_team": team} if team else {})}
        back = await self.at_slack((await self.to_slack(**headers)).location, **extra)
        assert back.status == 302, back.text
        return await self.get(back.location, **headers)

    def session(self) -> str:
        """The session cookie's value, as the browser holds it ('' when there is none)."""
        return next((cookie.value for cookie in self.http.cookie_jar if cookie.key == "oncall_session"), "")


async def _answer(response: ClientResponse) -> Answer:
    cookies: SimpleCookie = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        cookies.load(header)
    return Answer(response.status, await response.text(errors="replace"), dict(response.headers), cookies)

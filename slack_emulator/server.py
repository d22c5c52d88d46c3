"""SlackEmulator: the Web API on 127.0.0.1 and the delivery of what users do, for the demo and tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable
from importlib import resources
from typing import Any, Literal

import aiohttp
from aiohttp import web

from slack_emulator import delivery
from slack_emulator.limits import Fault, Faults, RateLimiter
from slack_emulator.openid import OpenIdProvider
from slack_emulator.socket_mode import SocketModeHub
from slack_emulator.state import ApiCall, Delivery, SlackApiFailure
from slack_emulator.web_api import WebApi
from slack_emulator.workspace import Workspace
from slack_emulator.workspace_view import WorkspaceView

_REFERENCE = resources.files("slack_emulator").joinpath("methods.json").read_text()
METHODS: dict[str, dict[str, Any]] = json.loads(_REFERENCE)["methods"]
RESPONSE_URL_POSTS = 5
ACK_SECONDS = 3.0


class SlackEmulator(WorkspaceView):
    def __init__(
        self,
        *,
        signing_secret: str,
        scopes: Iterable[str],
        bot_token: str = "xoxb-emulator-token",
        app_token: str = "xapp-emulator-token",
        team_id: str = "T0EMULATOR",
        client_id: str = "1000000001.2000000002",
        client_secret: str = "emulator-client-secret-0123456789",
        rate_limits: bool = True,
        event_retry_delays: tuple[float, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Slack retries an event about 3 times (at once, ~1 min, ~5 min) when the answer is not a 2xx
        # within 3 s; off by default so that tests decide when retries happen.
        self.socket_mode = SocketModeHub(app_id="A0EMULATOR")
        self.event_retry_delays = event_retry_delays
        self.signing_secret, self.bot_token, self.app_token, self.team_id = (
            signing_secret,
            bot_token,
            app_token,
            team_id,
        )
        self.rate_limits = rate_limits
        # What an install from manifest.yml grants; a test removes one to see the bot notice.
        self.scopes = set(scopes)  # what the app was installed with: the product says which it needs
        self.workspace = Workspace(team_id, clock=clock)
        self.bot_user_id = self.workspace.add_user("oncall", is_bot=True)
        self.bot_id = self.workspace.new_id("B")
        self.api = WebApi(
            self.workspace,
            bot_user=self.bot_user_id,
            bot_id=self.bot_id,
            emit=self._emit,
            base_url=lambda: self.base_url,
            scopes=self.scopes,
        )
        self.openid = OpenIdProvider(self.workspace, client_id=client_id, client_secret=client_secret)
        self.bot_endpoint: str | None = None
        self.deliveries: list[Delivery] = []
        self.response_url_posts: list[dict[str, Any]] = []
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._faults, self._limiter = Faults(), RateLimiter()
        self._background: set[asyncio.Task[Delivery]] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    # --- lifecycle --------------------------------------------------------------------------------
    async def start(self, *, port: int = 0, routes: Iterable[web.RouteDef] = ()) -> None:
        """Serve on 127.0.0.1 (`port` 0: any free one); `routes` add endpoints, as `oncall-bot emulator` does."""
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/socket", self.socket_mode.handle)
        app.router.add_get("/openid/connect/authorize", self._handle_authorize)
        app.add_routes(routes)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        await self.drain()
        await self.socket_mode.close()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    # --- Sign in with Slack ----------------------------------------------------------------------
    def sign_in_as(self, user: str) -> None:
        """The emulated browser is signed in to Slack as `user`: Sign in with Slack signs them in."""
        self.openid.browser_user = user

    @property
    def client_id(self) -> str:
        return self.openid.client_id

    @property
    def client_secret(self) -> str:
        return self.openid.client_secret

    # --- faults -----------------------------------------------------------------------------------
    def fail(self, method: str, *, status: int = 503, times: int = 1, html: bool = False) -> None:
        self._faults.add(method, Fault("fail", times, status=status, html=html))

    def heal(self, method: str) -> None:
        """Slack recovers: the faults still queued for this method are dropped."""
        self._faults.clear(method)

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self._faults.add(method, Fault("rate_limit", times, retry_after=retry_after))

    def delay(self, method: str, *, seconds: float, times: int = 1, after_commit: bool = False) -> None:
        self._faults.add(method, Fault("delay", times, seconds=seconds, after_commit=after_commit))

    # --- the Web API ------------------------------------------------------------------------------
    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        # slack_sdk sends most arguments as a query string, chat.* and views.* as JSON: merge them all
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json() or {})
        elif request.can_read_body:
            args.update(dict(await request.post()))
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):  # openid.connect.token: the app's client id and secret, as Basic auth
            with contextlib.suppress(ValueError):  # unreadable credentials: no client id, so invalid_client_id
                basic = aiohttp.BasicAuth.decode(header)
                args.setdefault("client_id", basic.login)
                args.setdefault("client_secret", basic.password)
        return args

    def _refusal(self, method: str, token: str | None) -> str | None:
        """Which credential each method wants; the error Slack gives for a missing or wrong one."""
        if method == "openid.connect.token":
            return None  # authenticated by the client id and secret, which the method checks
        if not token:
            return "not_authed"
        if method == "openid.connect.userInfo":
            return None if self.openid.knows_token(token) else "invalid_auth"
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        return None if token == wanted else "invalid_auth"

    async def _handle_authorize(self, request: web.Request) -> web.StreamResponse:
        status, where = self.openid.authorize(request.query)
        if status == 302:
            raise web.HTTPFound(where)
        return web.Response(
            status=status,
            text=f"<html><body><h1>Sign in with Slack</h1><p>{where}</p></body></html>",
            content_type="text/html",
        )

    def _reply(
        self,
        method: str,
        args: dict[str, Any],
        status: int,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None = None,
        text: str | None = None,
    ) -> web.Response:
        self.calls.append(
            ApiCall(method, {k: v for k, v in args.items() if k not in ("token", "client_secret")}, status, body)
        )
        if text is not None:
            return web.Response(status=status, text=text, content_type="text/html", headers=headers)
        return web.json_response(body, status=status, headers=headers)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._arguments(request)
        header = request.headers.get("Authorization", "")
        token = (header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else "") or args.get("token")
        if method not in METHODS:
            return self._reply(method, args, 200, {"ok": False, "error": "unknown_method"})
        if refusal := self._refusal(method, token):
            return self._reply(method, args, 200, {"ok": False, "error": refusal})
        if method == "openid.connect.userInfo":
            args["token"] = token  # it answers for the person the token is (never recorded in calls)
        fault = self._faults.next(method)
        if fault is not None and fault.kind == "fail":
            if fault.html:
                return self._reply(
                    method, args, fault.status, None, text="<html><body>Service Unavailable</body></html>"
                )
            return self._reply(method, args, fault.status, {"ok": False, "error": "service_unavailable"})
        if fault is not None and fault.kind == "rate_limit":
            return self._ratelimited(method, args, fault.retry_after)
        if fault is not None and fault.kind == "delay" and not fault.after_commit:
            await asyncio.sleep(fault.seconds)
        if self.rate_limits and (wait := self._limiter.wait_for(method, str(args.get("channel", "")))):
            return self._ratelimited(method, args, max(1, round(wait)))
        body = self._perform(method, args)
        if fault is not None and fault.kind == "delay" and fault.after_commit:
            await asyncio.sleep(fault.seconds)  # done on Slack's side; the client gives up waiting for the reply
        # Slack tells every caller which scopes its token has.
        return self._reply(method, args, 200, body, headers={"x-oauth-scopes": ",".join(sorted(self.scopes))})

    def _ratelimited(self, method: str, args: dict[str, Any], retry_after: int) -> web.Response:
        return self._reply(
            method, args, 429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": str(retry_after)}
        )

    def _perform(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        spec = METHODS[method]
        if spec.get("scope") and spec["scope"] not in self.scopes:
            provided = ",".join(sorted(self.scopes))
            return {"ok": False, "error": "missing_scope", "needed": spec["scope"], "provided": provided}
        missing = [name for name in spec["required"] if args.get(name) in (None, "")]
        if missing and (own := spec.get("missing", {}).get(missing[0])):
            return {"ok": False, "error": own}
        if missing:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] missing required field: {name}" for name in missing]},
            }
        try:
            if method.startswith("openid."):
                return {"ok": True, **getattr(self.openid, method.removeprefix("openid.").replace(".", "_"))(args)}
            return {"ok": True, **self.api.handle(method, args)}
        except SlackApiFailure as failure:
            return {"ok": False, "error": failure.error, **failure.extra}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="unknown upload")
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            part = await reader.next()
            file.content = await part.read() if isinstance(part, aiohttp.BodyPartReader) else b""
        else:
            file.content = await request.read()
        file.uploaded = True
        return web.Response(text=f"OK - {len(file.content)}")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        record = self._response_urls.get(request.match_info["key"])
        if record is None:
            return web.Response(status=404, text="no_response_url")
        if record["uses"] >= RESPONSE_URL_POSTS or time.monotonic() - record["at"] > 1800:
            return web.Response(status=404, text="expired_url")
        record["uses"] += 1
        body = await request.json()
        self.response_url_posts.append(body)
        if body.get("response_type") == "in_channel" and record["channel"] in self.channels:
            channel = self.channels[record["channel"]]
            self.api.echo(
                self.workspace.add_message(
                    channel, user=self.bot_user_id, bot_id=self.bot_id, text=str(body.get("text", ""))
                ),
                channel,
            )
        return web.Response(text="ok")

    # --- delivering to the bot --------------------------------------------------------------------
    def event_envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "emulator-verification-token",
            "team_id": self.team_id,
            "api_app_id": "A0EMULATOR",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(6).upper()}",
            "event_time": int(self.workspace.clock()),
            "authorizations": [{"team_id": self.team_id, "user_id": self.bot_user_id, "is_bot": True}],
        }

    async def deliver(
        self,
        kind: Literal["event", "command", "interactive"],
        body: dict[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        signing_secret: str | None = None,
    ) -> Delivery:
        assert self._session is not None, "start() the emulator first"
        if self.bot_endpoint is None and self.socket_mode.is_connected:
            result = await self.socket_mode.deliver(kind, body)
            self.deliveries.append(result)
            return result
        result = await delivery.send(
            self._session,
            self.bot_endpoint,
            kind,
            body,
            secret=signing_secret or self.signing_secret,
            timestamp=timestamp,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        self.deliveries.append(result)
        if kind == "event" and retry_num is None and self.event_retry_delays and self._needs_retry(result):
            self._spawn(self._retry_event(body))
        return result

    @staticmethod
    def _needs_retry(result: Delivery) -> bool:
        return not 200 <= result.status < 300 or result.seconds > ACK_SECONDS

    async def _retry_event(self, body: dict[str, Any]) -> Delivery:
        result = self.deliveries[-1]
        for attempt, delay in enumerate(self.event_retry_delays, start=1):
            await asyncio.sleep(delay)
            reason = "http_timeout" if result.seconds > ACK_SECONDS or result.status == 0 else "http_error"
            result = await self.deliver("event", body, retry_num=attempt, retry_reason=reason)
            if not self._needs_retry(result):
                break
        return result

    def _emit(self, event: dict[str, Any]) -> None:
        """Slack delivers what the bot's own calls cause after answering the call: in the background."""
        self._spawn(self.deliver("event", self.event_envelope(event)))

    def _spawn(self, work: Coroutine[Any, Any, Delivery]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _response_url(self, channel: str) -> str:
        key = secrets.token_hex(8)
        self._response_urls[key] = {"uses": 0, "at": time.monotonic(), "channel": channel}
        return f"{self.base_url}response/{key}"

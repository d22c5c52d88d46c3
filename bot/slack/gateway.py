"""The only code that calls Slack's Web API; failures become SlackRetryable or SlackRejected."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import SlackRejected, SlackRetryable

log = logging.getLogger("oncall.slack")


@dataclass(frozen=True)
class ChannelInfo:
    id: str
    name: str
    creator: str
    created: int
    is_archived: bool


def build_client(*, token: str | None, base_url: str, timeout: int = 10) -> AsyncWebClient:
    """A Web API client that retries briefly itself; the outbox retries for longer."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def _classify(method: str, exc: SlackApiError) -> SlackRetryable | SlackRejected:
    """Whether trying the same call again later can succeed."""
    status = exc.response.status_code
    error = str(exc.response.get("error", "")) if isinstance(exc.response.data, dict) else ""
    if status == 429:
        headers = exc.response.headers
        retry_after = float(headers.get("retry-after", headers.get("Retry-After", 1)))
        return SlackRetryable(method, "ratelimited", retry_after=retry_after)
    if status >= 500:
        return SlackRetryable(method, f"http_{status}")
    if error in _TRANSIENT_ERRORS:
        return SlackRetryable(method, error)
    return SlackRejected(method, error or f"http_{status}")


def _outcome(failure: SlackRetryable | SlackRejected) -> str:
    if isinstance(failure, SlackRejected):
        return "rejected"
    return "ratelimited" if failure.error == "ratelimited" else "retryable"


class SlackGateway:
    """Named Slack operations the bot performs, with Slack's errors translated."""

    def __init__(self, client: AsyncWebClient, *, on_call: Callable[[str, str], None] | None = None) -> None:
        self.client = client
        # Told (method, outcome) after every call: ok, ratelimited, retryable or rejected.
        self._on_call = on_call or (lambda method, outcome: None)
        self._who: tuple[str, str] | None = None  # the bot's user id and team id, as auth.test said
        self._channel_ids: dict[str, str] = {}

    async def _call(self, method: str, send: Callable[..., Awaitable[Any]], **args: Any) -> dict[str, Any]:
        try:
            response = await send(**args)
        except SlackApiError as exc:
            failure = _classify(method, exc)
            self._on_call(method, _outcome(failure))
            raise failure from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._on_call(method, "retryable")
            raise SlackRetryable(method, type(exc).__name__) from exc
        self._on_call(method, "ok")
        log.debug("slack.call method=%s ok", method)
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def granted_scopes(self) -> tuple[dict[str, Any], set[str]]:
        """Who the token is (auth.test) and the scopes Slack says it has (the x-oauth-scopes header)."""
        scopes: set[str] = set()

        async def auth_test() -> Any:
            response = await self.client.auth_test()
            scopes.update(scope.strip() for scope in response.headers.get("x-oauth-scopes", "").split(",") if scope)
            return response

        return await self._call("auth.test", auth_test), scopes

    async def bot_user_id(self) -> str:
        return (await self._who_am_i())[0]

    async def team_id(self) -> str:
        """The workspace the bot is installed in: the only one whose people may sign in to the web pages."""
        return (await self._who_am_i())[1]

    async def _who_am_i(self) -> tuple[str, str]:
        if self._who is None:
            data = await self._call("auth.test", self.client.auth_test)
            self._who = (str(data["user_id"]), str(data["team_id"]))
        return self._who

    async def create_channel(self, name: str, *, is_private: bool = False) -> str:
        data = await self._call(
            "conversations.create", self.client.conversations_create, name=name, is_private=is_private
        )
        return str(data["channel"]["id"])

    async def find_channel(self, name: str) -> ChannelInfo | None:
        """Look a channel up by name or id (archived ones too), paging through conversations.list."""
        cursor: str | None = None
        while True:
            data = await self._call(
                "conversations.list",
                self.client.conversations_list,
                types="public_channel,private_channel",
                limit=1000,
                **({"cursor": cursor} if cursor else {}),
            )
            for channel in data.get("channels", []):
                if name in (channel.get("name"), channel.get("id")):
                    return ChannelInfo(
                        id=channel["id"],
                        name=channel["name"],
                        creator=channel.get("creator", ""),
                        created=int(channel.get("created", 0)),
                        is_archived=bool(channel.get("is_archived")),
                    )
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def resolve_channel(self, name_or_id: str) -> str:
        """A channel id for a configured channel, which people usually write as a name."""
        if name_or_id[:1] in ("C", "G", "D") and name_or_id[1:].isalnum() and name_or_id.isupper():
            return name_or_id
        name = name_or_id.lstrip("#")
        if name not in self._channel_ids:
            found = await self.find_channel(name)
            if found is None:
                raise SlackRejected("conversations.list", f"channel_not_found: #{name}")
            self._channel_ids[name] = found.id
        return self._channel_ids[name]

    async def invite(self, channel: str, users: list[str]) -> None:
        await self._call(
            "conversations.invite", self.client.conversations_invite, channel=channel, users=users, force=True
        )

    async def set_topic(self, channel: str, topic: str, *, join: bool = False) -> None:
        """With `join`, a public channel the bot is not in is joined first (a schedule's configured channel)."""
        try:
            await self._call("conversations.setTopic", self.client.conversations_setTopic, channel=channel, topic=topic)
        except SlackRejected as exc:
            if not join or exc.error != "not_in_channel":
                raise
            await self._call("conversations.join", self.client.conversations_join, channel=channel)
            await self._call("conversations.setTopic", self.client.conversations_setTopic, channel=channel, topic=topic)

    async def set_purpose(self, channel: str, purpose: str) -> None:
        await self._call(
            "conversations.setPurpose", self.client.conversations_setPurpose, channel=channel, purpose=purpose
        )

    async def post_message(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        args: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "blocks": blocks,
            "thread_ts": thread_ts,
            "unfurl_links": False,
            "metadata": metadata,
        }
        try:
            data = await self._call("chat.postMessage", self.client.chat_postMessage, **args)
        except SlackRejected as exc:
            if exc.error != "not_in_channel":
                raise
            # A configured public channel (#alerts, #incidents) the bot was never invited to.
            await self._call("conversations.join", self.client.conversations_join, channel=channel)
            data = await self._call("chat.postMessage", self.client.chat_postMessage, **args)
        return str(data["ts"])

    async def has_file_share(self, channel: str, *, filename: str, oldest: float) -> bool:
        """Whether the bot shared a file of this name in the channel after `oldest` (a Unix time)."""
        bot_user = await self.bot_user_id()
        args: dict[str, Any] = {"channel": channel, "oldest": f"{oldest:.6f}", "limit": 200}
        data = await self._call("conversations.history", self.client.conversations_history, **args)
        return any(
            message.get("user") == bot_user and any(file.get("name") == filename for file in message.get("files") or [])
            for message in data.get("messages", [])
        )

    async def find_message(
        self, channel: str, *, metadata: dict[str, Any], oldest: float, thread_ts: str | None = None
    ) -> str | None:
        """The ts of the bot's message carrying this metadata, posted after `oldest` (a Unix time), if any."""
        cursor: str | None = None
        while True:
            args: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": 200}
            if thread_ts is not None:
                data = await self._call(
                    "conversations.replies", self.client.conversations_replies, ts=thread_ts, **args
                )
            else:
                args["oldest"] = f"{oldest:.6f}"
                if cursor:
                    args["cursor"] = cursor
                data = await self._call("conversations.history", self.client.conversations_history, **args)
            for message in data.get("messages", []):
                if message.get("metadata") == metadata:
                    return str(message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if thread_ts is not None or not cursor:
                return None

    async def update_message(self, channel: str, ts: str, *, text: str, blocks: list[dict[str, Any]] | None) -> None:
        await self._call("chat.update", self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    async def pin(self, channel: str, ts: str) -> None:
        await self._call("pins.add", self.client.pins_add, channel=channel, timestamp=ts)

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self._call("views.publish", self.client.views_publish, user_id=user_id, view=view)

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self._call("views.open", self.client.views_open, trigger_id=trigger_id, view=view)

    async def post_ephemeral(self, channel: str, user: str, *, text: str) -> None:
        await self._call("chat.postEphemeral", self.client.chat_postEphemeral, channel=channel, user=user, text=text)

    async def user_name(self, user_id: str) -> str:
        """The name people know someone by: display name, else real name, else handle."""
        return (await self.user_info(user_id))[0]

    async def user_info(self, user_id: str) -> tuple[str, str | None]:
        """The name people know someone by (display name, else real name, else handle) and their IANA zone."""
        data = await self._call("users.info", self.client.users_info, user=user_id)
        user = data.get("user") or {}
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        return name, (str(user["tz"]) if user.get("tz") else None)

    async def upload_file(
        self, channel: str | None, *, filename: str, content: str | bytes, title: str, comment: str | None = None
    ) -> str:
        """Upload v2 (files.getUploadURLExternal, the upload, files.completeUploadExternal) via slack_sdk.

        Without a channel the file is shared nowhere: only the bot sees it, and an image block can show it.
        """
        try:
            response = await self.client.files_upload_v2(
                channel=channel, filename=filename, content=content, title=title, initial_comment=comment
            )
        except SlackApiError as exc:
            failure = _classify("files.upload_v2", exc)
            self._on_call("files.upload_v2", _outcome(failure))
            raise failure from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._on_call("files.upload_v2", "retryable")
            raise SlackRetryable("files.upload_v2", type(exc).__name__) from exc
        self._on_call("files.upload_v2", "ok")
        files = response.get("files") or [{}]
        return str(files[0].get("id", ""))

    async def open_dm(self, user_id: str) -> str:
        data = await self._call("conversations.open", self.client.conversations_open, users=user_id)
        return str(data["channel"]["id"])

    async def usergroup_members(self, usergroup: str) -> list[str]:
        data = await self._call("usergroups.users.list", self.client.usergroups_users_list, usergroup=usergroup)
        return [str(user) for user in data.get("users", [])]

    async def usergroup_id(self, handle: str) -> str | None:
        """The id of the user group with this handle (usergroups.list, disabled ones too), or None."""
        data = await self._call(
            "usergroups.list", self.client.usergroups_list, include_disabled=True, include_users=False
        )
        for group in data.get("usergroups", []):
            if group.get("handle") == handle:
                return str(group["id"])
        return None

    async def set_usergroup_users(self, usergroup: str, users: list[str]) -> None:
        await self._call(
            "usergroups.users.update", self.client.usergroups_users_update, usergroup=usergroup, users=users
        )

    async def user_by_email(self, email: str) -> str | None:
        """The Slack user with this e-mail address, or None when the workspace has nobody with it."""
        try:
            data = await self._call("users.lookupByEmail", self.client.users_lookupByEmail, email=email)
        except SlackRejected as exc:
            if exc.error == "users_not_found":
                return None
            raise
        return str(data["user"]["id"])

    async def channel_members(self, channel: str) -> list[str]:
        """Everyone in the channel, paging through conversations.members: who may see a private incident."""
        members: list[str] = []
        cursor: str | None = None
        while True:
            data = await self._call(
                "conversations.members",
                self.client.conversations_members,
                channel=channel,
                limit=1000,
                **({"cursor": cursor} if cursor else {}),
            )
            members += [str(user) for user in data.get("members", [])]
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members

    async def bookmark_links(self, channel: str) -> set[str]:
        data = await self._call("bookmarks.list", self.client.bookmarks_list, channel_id=channel)
        return {str(bookmark.get("link")) for bookmark in data.get("bookmarks", []) if bookmark.get("link")}

    async def add_bookmark(self, channel: str, *, title: str, link: str) -> None:
        await self._call(
            "bookmarks.add", self.client.bookmarks_add, channel_id=channel, title=title[:200], type="link", link=link
        )

    async def close(self) -> None:
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()

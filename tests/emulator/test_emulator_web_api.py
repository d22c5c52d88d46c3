"""The emulator is as strict as Slack: a bot that passes against it does not trip on Slack's rules."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from tests.emulator.conftest import SECRET, refused


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_arguments"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Has-Upper", "invalid_name_specials"),
        ("has space", "invalid_name_specials"),
        ("--__", "invalid_name_punctuation"),
    ],
)
async def test_channel_names_follow_slacks_rules(client: AsyncWebClient, name: str, error: str) -> None:
    assert await refused(client.conversations_create(name=name)) == error


async def test_names_of_archived_channels_stay_taken(slack: SlackEmulator, client: AsyncWebClient) -> None:
    created = await client.conversations_create(name="inc-1-db")
    await client.conversations_archive(channel=created["channel"]["id"])
    assert await refused(client.conversations_create(name="inc-1-db")) == "name_taken"


async def test_invite_rules(slack: SlackEmulator, client: AsyncWebClient) -> None:
    alice = slack.add_user("alice")
    human = slack.add_channel("human", creator=alice)
    assert await refused(client.conversations_invite(channel=human, users=[alice])) == "not_in_channel"
    channel = (await client.conversations_create(name="ops"))["channel"]["id"]
    assert await refused(client.conversations_invite(channel=channel, users=["U404"])) == "user_not_found"
    assert await refused(client.conversations_invite(channel=channel, users=[slack.bot_user_id])) == "cant_invite_self"
    forced = await client.conversations_invite(channel=channel, users=[alice, "U404"], force=True)
    assert forced["errors"][0]["error"] == "user_not_found" and alice in slack.channels[channel].members
    assert await refused(client.conversations_invite(channel=channel, users=[alice])) == "already_in_channel"


async def test_posting_needs_a_reachable_unarchived_channel(slack: SlackEmulator, client: AsyncWebClient) -> None:
    alice = slack.add_user("alice")
    secret_room = slack.add_channel("secret", creator=alice, is_private=True)
    assert await refused(client.chat_postMessage(channel=secret_room, text="hi")) == "channel_not_found"
    slack.scopes.discard("chat:write.public")
    public = slack.add_channel("public", creator=alice)
    assert await refused(client.chat_postMessage(channel=public, text="hi")) == "not_in_channel"
    ours = (await client.conversations_create(name="ours"))["channel"]["id"]
    await client.conversations_archive(channel=ours)
    assert await refused(client.chat_postMessage(channel=ours, text="hi")) == "is_archived"


async def test_block_kit_limits_answer_invalid_blocks_with_json_pointers(client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="blocks"))["channel"]["id"]
    too_many = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=channel, text="x", blocks=too_many)
    assert caught.value.response["error"] == "invalid_blocks"
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=channel, text="x", blocks=long_section)
    assert "[json-pointer:/blocks/0/text/text]" in caught.value.response["errors"][0]


async def test_long_text_is_truncated_on_post_but_refused_on_update(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    channel = (await client.conversations_create(name="long"))["channel"]["id"]
    posted = await client.chat_postMessage(channel=channel, text="y" * 50_000)
    assert len(slack.messages(channel)[0].text) == 40_000
    assert await refused(client.chat_update(channel=channel, ts=posted["ts"], text="z" * 40_001)) == "msg_too_long"


async def test_only_the_author_can_update(slack: SlackEmulator, client: AsyncWebClient) -> None:
    alice = slack.add_user("alice")
    channel = (await client.conversations_create(name="edits"))["channel"]["id"]
    ts, _ = await slack.post_message(user=alice, channel=channel, text="mine", deliver=False)
    assert await refused(client.chat_update(channel=channel, ts=ts, text="hijack")) == "cant_update_message"


async def test_tokens_and_required_arguments(slack: SlackEmulator) -> None:
    anonymous = AsyncWebClient(base_url=slack.api_url)
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    right = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    try:
        assert await refused(anonymous.auth_test()) == "not_authed"
        assert await refused(wrong.auth_test()) == "invalid_auth"
        with pytest.raises(SlackApiError) as caught:
            await right.api_call("conversations.setTopic", params={"channel": "C1"})
        assert caught.value.response["response_metadata"]["messages"] == ["[ERROR] missing required field: topic"]
    finally:
        for client in (anonymous, wrong, right):
            if client.session is not None:
                await client.session.close()


async def test_injected_faults_perform_nothing_except_a_lost_reply(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    slack.fail("conversations.create", status=503)
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_create(name="after-outage")
    assert caught.value.response.status_code == 503 and slack.channel_by_name("after-outage") is None
    slack.rate_limit("conversations.create", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_create(name="after-outage")
    assert caught.value.response.status_code == 429 and caught.value.response.headers["Retry-After"] == "7"
    # slack_sdk takes whole seconds: the shortest timeout is 1 s, so the answer comes later than that.
    slack.delay("conversations.create", seconds=1.5, after_commit=True)
    short = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, timeout=1)
    with pytest.raises(TimeoutError):
        await short.conversations_create(name="reply-lost")
    if short.session is not None:
        await short.session.close()
    assert slack.channel_by_name("reply-lost") is not None


async def test_posting_more_than_a_burst_per_channel_is_rate_limited(client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="busy"))["channel"]["id"]
    statuses = []
    for number in range(12):
        try:
            await client.chat_postMessage(channel=channel, text=str(number))
            statuses.append(200)
        except SlackApiError as exc:
            statuses.append(exc.response.status_code)
    assert statuses[:10] == [200] * 10 and 429 in statuses[10:]


async def test_file_upload_v2_flow(slack: SlackEmulator, client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="files"))["channel"]["id"]
    await client.files_upload_v2(channel=channel, filename="postmortem.md", content="# INC-1\n", title="Postmortem")
    [file] = slack.files.values()
    assert (file.name, file.title, file.content, file.channels) == (
        "postmortem.md",
        "Postmortem",
        b"# INC-1\n",
        [channel],
    )
    assert await refused(client.files_getUploadURLExternal(filename="empty.md", length=0)) == "invalid_arguments"


async def test_trigger_ids_are_single_use_and_expire(slack: SlackEmulator, client: AsyncWebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
    trigger = slack.api.issue_trigger()
    await client.views_open(trigger_id=trigger, view=view)
    assert await refused(client.views_open(trigger_id=trigger, view=view)) == "exchanged_trigger_id"
    stale = slack.api.issue_trigger()
    slack.api.triggers[stale] = (time.monotonic() - 4, False)
    assert await refused(client.views_open(trigger_id=stale, view=view)) == "expired_trigger_id"


async def test_deliveries_are_signed_and_bot_posts_echo_back(slack: SlackEmulator, client: AsyncWebClient) -> None:
    verifier, received = SignatureVerifier(SECRET), []

    async def endpoint(request: web.Request) -> web.Response:
        body = await request.read()
        received.append((verifier.is_valid_request(body, dict(request.headers)), body))
        return web.Response()

    app = web.Application()
    app.router.add_post("/slack/events", endpoint)
    server = TestServer(app)
    await server.start_server()
    try:
        slack.bot_endpoint = str(server.make_url("/slack/events"))
        channel = (await client.conversations_create(name="echo"))["channel"]["id"]
        await client.chat_postMessage(channel=channel, text="hello")
        await slack.drain()
        assert all(valid for valid, _ in received)
        assert any(b'"bot_id"' in body and b"hello" in body for _, body in received)
        stale = await slack.deliver("event", slack.event_envelope({"type": "x"}), timestamp=int(time.time()) - 600)
        assert stale.status == 200 and not received[-1][0]
    finally:
        await server.close()


async def test_bookmarks_are_added_listed_in_order_and_removed(slack: SlackEmulator, client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="inc-7-db"))["channel"]["id"]
    first = await client.bookmarks_add(channel_id=channel, title="Runbook", type="link", link="https://r.example/1")
    await client.bookmarks_add(channel_id=channel, title="Dashboard", type="link", link="https://d.example/1")
    listed = (await client.bookmarks_list(channel_id=channel))["bookmarks"]
    assert [(bookmark["title"], bookmark["link"]) for bookmark in listed] == [
        ("Runbook", "https://r.example/1"),
        ("Dashboard", "https://d.example/1"),
    ]
    assert first["bookmark"]["id"].startswith("Bk")
    await client.bookmarks_remove(channel_id=channel, bookmark_id=first["bookmark"]["id"])
    assert [bookmark["title"] for bookmark in slack.channels[channel].bookmarks] == ["Dashboard"]
    assert slack.messages(channel) == []  # bookmarks post nothing in the channel


async def test_bookmark_errors_match_slacks(client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="inc-8-db"))["channel"]["id"]
    assert await refused(client.bookmarks_add(channel_id="C0NOPE", title="x", type="link", link="https://x")) == (
        "channel_not_found"
    )
    assert await refused(client.bookmarks_add(channel_id=channel, title="x", type="folder")) == "invalid_bookmark_type"
    assert await refused(client.bookmarks_add(channel_id=channel, title="x", type="link", link="ftp://x")) == (
        "invalid_link"
    )
    assert await refused(client.bookmarks_remove(channel_id=channel, bookmark_id="Bk0NOPE")) == "not_found"

"""Events from incident channels become timeline activity; everything else is ignored."""

from __future__ import annotations

from typing import Any

from bot.followups import service as followups
from bot.home import views as home
from bot.permissions import Permissions
from bot.timeline.activity import (
    HIGHLIGHT_REACTIONS,
    Activity,
    HighlightChanged,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ts_to_datetime,
)
from bot.timeline.service import Recorder
from bot.unit_of_work import Begin

# Reacting with one of these to a message in an incident channel makes it a follow-up.
FOLLOW_UP_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})

# Subtypes that are something someone said; joins, topics and the like are recorded elsewhere or not at all.
_SPOKEN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message", "bot_message"}


def _spoken_text(message: dict[str, Any]) -> str:
    text = str(message.get("text") or "")
    files = [str(file.get("name") or file.get("title") or "file") for file in message.get("files") or []]
    return "\n".join(part for part in [text, *(f"[file: {name}]" for name in files)] if part)


def message_activity(event: dict[str, Any]) -> Activity | None:
    """The timeline meaning of a `message` event, if it has one."""
    channel, subtype = event.get("channel", ""), event.get("subtype")
    if subtype in _SPOKEN_SUBTYPES:
        return MessagePosted(
            channel,
            event["ts"],
            event.get("user") or event.get("bot_id"),
            _spoken_text(event),
            event.get("thread_ts"),
        )
    if subtype == "message_changed":
        message, previous = event.get("message") or {}, event.get("previous_message") or {}
        # Slack also sends message_changed when a thread gets a reply or a link unfurls: not an edit.
        if "ts" not in message or message.get("text") == previous.get("text"):
            return None
        return MessageEdited(
            channel, message["ts"], message.get("user"), _spoken_text(message), message.get("thread_ts")
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        return MessageDeleted(
            channel,
            event["deleted_ts"],
            previous.get("user"),
            str(previous.get("text") or ""),
            previous.get("thread_ts"),
        )
    return None


def highlight_activity(event: dict[str, Any]) -> Activity | None:
    kind = event.get("type", "")
    if kind.startswith("reaction_"):
        item = event.get("item") or {}
        if event.get("reaction") not in HIGHLIGHT_REACTIONS or item.get("type") != "message":
            return None
        return HighlightChanged(item["channel"], item["ts"], event.get("user"), kind == "reaction_added", False)
    item = event.get("item") or {}
    message = item.get("message") or {}
    if item.get("type") != "message" or "ts" not in message:
        return None
    return HighlightChanged(
        event.get("channel_id") or item.get("channel", ""),
        message["ts"],
        event.get("user"),
        kind == "pin_added",
        True,
    )


async def _record(recorder: Recorder, body: dict[str, Any], activity: Activity | None) -> None:
    if activity is None:
        return
    # With the other events that arrive meanwhile, in one transaction; returns once it is stored.
    await recorder.record(activity, body.get("event_id"))


def _from_this_bot(event: dict[str, Any], context: dict[str, Any]) -> bool:
    message = event.get("message") or event
    return bool(
        (context.get("bot_id") and message.get("bot_id") == context.get("bot_id"))
        or (context.get("bot_user_id") and message.get("user") == context.get("bot_user_id"))
    )


async def handle_message_event(
    event: dict[str, Any], body: dict[str, Any], timeline_recorder: Recorder, context: dict[str, Any]
) -> None:
    # The bot's own posts say what its own timeline entries (status, roles, alerts) already say.
    if _from_this_bot(event, context):
        return
    await _record(timeline_recorder, body, message_activity(event))


async def handle_highlight_event(
    event: dict[str, Any], body: dict[str, Any], begin: Begin, timeline_recorder: Recorder, permissions: Permissions
) -> None:
    if event.get("type") == "reaction_added" and event.get("reaction") in FOLLOW_UP_REACTIONS:
        await _follow_up_from_reaction(event, begin, permissions)
        return
    await _record(timeline_recorder, body, highlight_activity(event))


async def _follow_up_from_reaction(event: dict[str, Any], begin: Begin, permissions: Permissions) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    viewer = await permissions.actor(event["user"])
    # A ✅ outside an incident channel is just a reaction: the refusal reaches nobody (handlers/slack/errors.py).
    async with begin() as (session, outbox):
        await followups.add_from_message(
            session=session, outbox=outbox, channel_id=item["channel"], message_ts=item["ts"], viewer=viewer
        )


async def handle_app_home_opened_event(event: dict[str, Any], begin: Begin) -> None:
    """Someone opened the bot's Home tab: publish what is current for them."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    async with begin() as (_, outbox):
        await home.refresh(outbox=outbox, user=str(event["user"]))


async def handle_member_joined_event(
    event: dict[str, Any],
    body: dict[str, Any],
    timeline_recorder: Recorder,
    context: dict[str, Any],
    permissions: Permissions,
) -> None:
    # Who may see a private incident follows its channel's membership: ask Slack afresh next time.
    permissions.membership.forget(str(event.get("channel", "")))
    if event.get("user") == context.get("bot_user_id"):
        return
    at = ts_to_datetime(str(event.get("event_ts") or body.get("event_time") or 0))
    await _record(timeline_recorder, body, MemberJoined(event.get("channel", ""), event["user"], at))


async def handle_member_left_event(event: dict[str, Any], permissions: Permissions) -> None:
    """Someone left (or was removed from) a channel: a private incident's channel no longer shows to them."""
    permissions.membership.forget(str(event.get("channel", "")))

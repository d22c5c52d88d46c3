"""Nothing a person or an alerting system types can make the bot ping a channel, a person, or spoof a link.

Every message and block the bot posts during an incident fed hostile text from every direction is
scanned for live Slack markup that the bot itself did not mean.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.keys import scheduler_key
from slack_emulator.state import ApiCall
from storage.types import utcnow
from tests.e2e.alert_payloads import am_alert, am_group, resolved
from tests.e2e.conftest import StartBot, Workspace

HOSTILE = "<!channel> <!here> <!everyone> <@UEVIL0001> <!subteam^S0EVIL|@oncall> <https://evil.example|docs>"
LIVE_MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<@UEVIL0001>", "<!subteam^S0EVIL", "<https://evil.example")


def mrkdwn_in(value: Any) -> list[str]:
    """Every text Slack parses for markup; plain_text objects are shown literally, so they cannot ping."""
    if isinstance(value, list):
        return [text for item in value for text in mrkdwn_in(item)]
    if not isinstance(value, dict):
        return []
    if value.get("type") == "plain_text":
        return []
    own = [str(value["text"])] if value.get("type") == "mrkdwn" and "text" in value else []
    return own + [text for key, item in value.items() if key != "text" or own == [] for text in mrkdwn_in(item)]


def bot_output(workspace: Workspace) -> str:
    posted = [
        text
        for channel in workspace.slack.channels.values()
        for message in workspace.slack.messages(channel.id)
        if message.bot_id is not None
        for text in [message.text, *mrkdwn_in(message.blocks)]
    ]
    replies = [post.get("text", "") for post in workspace.slack.response_url_posts]
    return "\n".join(posted + replies)


async def test_hostile_titles_notes_follow_ups_and_alerts_are_shown_inert(workspace: Workspace) -> None:
    reply = await workspace.command(f"declare {HOSTILE} sev2")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    # (a mention in `followup add` names the owner on purpose, so that one leaves the person out)
    unowned = HOSTILE.replace("<@UEVIL0001> ", "")
    for command in (f"note {HOSTILE}", f"summary {HOSTILE}", f"impact {HOSTILE}", f"followup add {unowned}"):
        await workspace.command(command, channel=channel.id)
    await workspace.command(f"status monitoring {HOSTILE}", channel=channel.id)
    alert = am_alert("Injection")
    alert["annotations"] |= {"summary": HOSTILE, "description": HOSTILE}
    alert["labels"]["service"] = "<!channel>"
    await workspace.webhook("alertmanager", am_group([alert]))
    unknown = await workspace.command(f"frobnicate {HOSTILE}")
    await workspace.settle()

    shown = "\n".join([bot_output(workspace), reply["text"], unknown["text"]])
    for markup in LIVE_MARKUP:
        where = shown.find(markup)
        assert where < 0, shown[max(0, where - 300) : where + 100]
    assert "&lt;!channel&gt;" in shown  # shown, as text
    assert len(workspace.incident_channels()) == 2  # the alert opened its own incident


# Every argument of a Web API call that Slack reads as mrkdwn: a message's `text` (its notification
# and fallback), blocks and attachments, a view's blocks, a file's comment, a channel's topic and purpose.
MRKDWN_ARGUMENTS = ("text", "initial_comment", "topic", "purpose")
STRUCTURED_ARGUMENTS = ("blocks", "attachments", "view")


def mrkdwn_of_call(call: ApiCall) -> list[str]:
    texts = [str(call.args[name]) for name in MRKDWN_ARGUMENTS if call.args.get(name)]
    for name in STRUCTURED_ARGUMENTS:
        value = call.args.get(name)
        texts += mrkdwn_in(json.loads(value) if isinstance(value, str) else value)
    return texts


def every_call_text(workspace: Workspace) -> str:
    """What the bot sent Slack, every Web API call of it: posts, updates, views, topics, uploads."""
    return "\n".join(text for call in workspace.slack.calls for text in mrkdwn_of_call(call))


def replies_text(workspace: Workspace, answers: list[dict[str, Any]]) -> str:
    """What only the person who asked sees: command answers and what the bot posted to their response_url."""
    posts = workspace.slack.response_url_posts
    texts = [str(post.get("text", "")) for post in [*posts, *answers]]
    return "\n".join(texts + [text for post in posts for text in mrkdwn_in(post.get("blocks", []))])


# The bot pings @here on purpose (a quiet incident nobody commands): only the hostile text's own
# @here, between its neighbours, is a leak.
WALK_LIVE_MARKUP = (*(markup for markup in LIVE_MARKUP if markup != "<!here>"), "<!here> <!everyone>")


def assert_inert(shown: str, *, live: tuple[str, ...] = WALK_LIVE_MARKUP) -> None:
    for markup in live:
        where = shown.find(markup)
        assert where < 0, shown[max(0, where - 300) : where + 100]
    assert "&lt;!channel&gt;" in shown  # shown, as text


def hostile_alert(name: str, *, severity: str, instance: str = "10.0.0.1:9100") -> dict[str, Any]:
    alert = am_alert(name, severity=severity, instance=instance, runbook="https://runbooks.example.org/x")
    alert["labels"] |= {"alertname": f"{HOSTILE} {name}", "service": HOSTILE}
    alert["annotations"] |= {"summary": HOSTILE, "description": HOSTILE}
    return alert


# How a message escapes what it shows does not depend on the database it was read from: one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_message_the_bot_sends_shows_hostile_values_inert(start_bot: StartBot) -> None:
    """Each kind of message, walked through the interfaces that cause it, each fed hostile text."""
    workspace = await start_bot("storm:\n  max_alert_posts_per_minute: 1\n")
    slack, people = workspace.slack, workspace.people
    slack.add_channel("alerts", creator=people.alice)
    # An incident and everything said and done in it: summary, announcement, topic, purpose, replies.
    reply = await workspace.command(f"declare {HOSTILE} sev2")
    await workspace.settle()
    [channel] = workspace.incident_channels()
    unowned = HOSTILE.replace("<@UEVIL0001> ", "")
    commands = [
        f"note {HOSTILE}",
        f"summary {HOSTILE}",
        f"impact {HOSTILE}",
        f"service {HOSTILE}",
        f"followup add {unowned} <@{people.bob}> due:2020-01-01",
        "followup list",
        "followup done 1",
        f"followup add {unowned} due:2020-01-01",
        f"assign scribe <@{people.bob}>",
        "severity sev1",
        f"status identified {HOSTILE}",
        "timeline",
        "list",
        f"resolve {HOSTILE}",
        f"status investigating {HOSTILE}",
        f"resolve {HOSTILE}",
        "postmortem",
    ]
    replies = [reply, *[await workspace.command(command, channel=channel.id) for command in commands]]
    replies.append(await workspace.command(f"frobnicate {HOSTILE}"))
    await slack.join_channel(user=people.bob, channel=channel.id)
    await slack.post_message(user=people.bob, channel=channel.id, text=HOSTILE)
    await workspace.settle()
    # Alerts: a group's own message, a storm rollup's line, an incident's alert list, the all-clear.
    warnings = [hostile_alert(f"Slow{number}", severity="warning") for number in range(2)]
    critical = hostile_alert("Down", severity="critical")
    for alert in [*warnings, critical]:
        await workspace.webhook("alertmanager", am_group([alert], group=alert["labels"]["alertname"]))
    await workspace.settle()
    for alert in [*warnings, critical]:
        await workspace.webhook("alertmanager", am_group([resolved(alert)], group=alert["labels"]["alertname"]))
    # The scheduler's reminders: a quiet incident, a postmortem due, an overdue follow-up.
    await workspace.command(f"declare quiet {HOSTILE} sev2")
    later = (utcnow() + timedelta(days=6)).replace(hour=10, minute=0)  # past reminders' follow_up_hour
    await workspace.server.app[scheduler_key].tick(later)
    await slack.open_app_home(user=people.alice)
    await workspace.settle()

    assert_inert(every_call_text(workspace))
    # The timeline, shown to the one who asks, keeps people's mentions: it pings nobody.
    assert_inert(replies_text(workspace, replies), live=tuple(m for m in WALK_LIVE_MARKUP if m != "<@UEVIL0001>"))
    methods = {call.method for call in slack.calls}
    assert {"chat.postMessage", "chat.update", "views.publish", "conversations.setTopic"} <= methods
    sent = [call.args.get("text", "") for call in slack.calls if call.method == "chat.postMessage"]
    kinds = ("[FIRING:1]", "Alert storm:", "Alerts of INC-", "resolved. If it is over", "no status update", ":alarm_")
    for kind in kinds:
        assert any(kind in text for text in sent), f"no message with {kind!r} was sent: the walk missed it"

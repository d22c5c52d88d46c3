"""Nothing a person or an alerting system types can make the bot ping a channel, a person, or spoof a link.

Every message and block the bot posts during an incident fed hostile text from every direction is
scanned for live Slack markup that the bot itself did not mean.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.alert_payloads import am_alert, am_group
from tests.e2e.conftest import Workspace

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

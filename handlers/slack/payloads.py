"""Slack's payloads read once, at the edge, into the few fields the listeners use.

Bolt hands listeners the JSON as dicts; past these constructors nothing looks a key up again, and a
value Slack never sends (a forged option, a missing field) is refused here with one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import texts
from bot.errors import IncidentNotFound, UserError
from bot.incidents.models import LARGEST_NUMBER, IncidentRef, Severity, Status
from bot.incidents.target import Target
from bot.texts.common import quoted
from bot.timeline.elsewhere import SourceMessage
from bot.visibility import Viewer


@dataclass(frozen=True)
class SlashCommand:
    """`/incident …`, `/retro …`, `/slo …`: who typed what, in which channel."""

    user: str
    channel_id: str | None
    text: str
    trigger_id: str

    @classmethod
    def of(cls, command: dict[str, Any]) -> SlashCommand:
        return cls(
            user=str(command["user_id"]),
            channel_id=command.get("channel_id"),
            text=str(command.get("text", "")),
            trigger_id=str(command.get("trigger_id", "")),
        )


@dataclass(frozen=True)
class SummaryClick:
    """A click on the controls of an incident's pinned summary (a `block_actions` payload)."""

    user: str
    channel_id: str | None
    ref: IncidentRef | None
    choice: str  # the chosen option of a menu; "" for a button

    @classmethod
    def of(cls, body: dict[str, Any]) -> SummaryClick:
        action = body["actions"][0]
        # The buttons carry the incident's number as their value, the menus at the end of their block id.
        number = str(action.get("block_id", "")).rpartition("_")[2]
        named = str(action.get("value") or number)
        try:
            ref = IncidentRef.parse(named)
        except ValueError:  # more digits than int() converts
            ref = IncidentRef(LARGEST_NUMBER + 1)
        if ref is not None and ref.number > LARGEST_NUMBER:  # no incident has it; PostgreSQL would refuse the query
            raise IncidentNotFound(texts.incidents.no_such_incident(quoted(named)))
        return cls(
            user=str(body["user"]["id"]),
            channel_id=(body.get("channel") or {}).get("id"),
            ref=ref,
            choice=str((action.get("selected_option") or {}).get("value", "")),
        )

    def target(self, viewer: Viewer) -> Target:
        return Target(ref=self.ref, channel_id=self.channel_id, viewer=viewer)

    @property
    def status(self) -> Status:
        if self.choice not in Status._value2member_map_:
            raise UserError(texts.incidents.not_a_status(self.choice))
        return Status(self.choice)

    @property
    def severity(self) -> Severity:
        if self.choice not in Severity._value2member_map_:
            raise UserError(texts.incidents.not_a_severity(self.choice))
        return Severity(self.choice)


@dataclass(frozen=True)
class MessageShortcut:
    """A message shortcut ("Make a follow-up", "Add to incident timeline") used on a message."""

    user: str
    trigger_id: str
    message: SourceMessage

    @classmethod
    def of(cls, body: dict[str, Any]) -> MessageShortcut:
        message = body.get("message") or {}
        return cls(
            user=str(body["user"]["id"]),
            trigger_id=str(body.get("trigger_id", "")),
            message=SourceMessage(
                channel_id=str((body.get("channel") or {}).get("id", "")),
                ts=str(message.get("ts", "")),
                author=message.get("user"),
                text=str(message.get("text", "")),
            ),
        )


def submitter(body: dict[str, Any]) -> str:
    """Who submitted a form (a `view_submission` payload)."""
    return str(body["user"]["id"])

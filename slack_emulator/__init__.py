"""A local, strict emulator of the parts of Slack oncall-bot uses, for the demo and the tests."""

from __future__ import annotations

from typing import Any

from slack_emulator.people import People
from slack_emulator.server import SlackEmulator as _Server
from slack_emulator.state import ApiCall, Channel, Delivery, File, Message, User, UserGroup, View


class SlackEmulator(_Server):
    """The Web API, plus people acting in the workspace (each action delivered to the bot, signed)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        people = People(self)
        self.slash_command = people.slash_command
        self.post_message = people.post_message
        self.edit_message = people.edit_message
        self.delete_message = people.delete_message
        self.add_reaction = people.add_reaction
        self.remove_reaction = people.remove_reaction
        self.pin_message = people.pin_message
        self.unpin_message = people.unpin_message
        self.join_channel = people.join_channel
        self.click_button = people.click_button
        self.submit_view = people.submit_view
        self.message_shortcut = people.message_shortcut
        self.open_app_home = people.open_app_home


__all__ = ["ApiCall", "Channel", "Delivery", "File", "Message", "SlackEmulator", "User", "UserGroup", "View"]

"""The bot token scopes the bot needs, each for the Web API calls it makes; manifest.yml asks for exactly these."""

from __future__ import annotations

REQUIRED_SCOPES: dict[str, str] = {
    "commands": "slash commands and the message shortcut",
    "channels:manage": "create incident channels, set topic and purpose, invite responders",
    "channels:read": "find channels by name (announce channel, lost-reply recovery)",
    "channels:history": "message.channels: the incident timeline",
    "groups:write": "private incident channels: create them and invite responders",
    "groups:read": "find private incident channels by name; who is in them (who may see a private incident)",
    "groups:history": "message.groups: the timeline of private incidents",
    "chat:write": "summary, updates and announcements",
    "chat:write.public": "announce without having to join the announce channel",
    "pins:read": "pin_added / pin_removed mark key events",
    "pins:write": "pin the incident summary",
    "reactions:read": "a :pushpin: reaction marks a key event; a :white_check_mark: makes a follow-up",
    "bookmarks:read": "do not bookmark an alert's runbook twice",
    "bookmarks:write": "bookmark alert runbooks in the incident channel",
    "files:write": "upload the postmortem, and the SLO digest's chart",
    "users:read": "people's display names in the postmortem",
    "usergroups:read": "invite a routing rule's user group; admins by user group; find on-call schedules' groups",
    "usergroups:write": "keep an on-call schedule's user group equal to who is on call",
    "users:read.email": "on-call schedules name people by e-mail: find their Slack accounts",
    "im:write": "remind a follow-up's owner in a direct message; page people",
    "im:history": "a page or reminder whose reply was lost is found in the direct message, not sent twice",
}

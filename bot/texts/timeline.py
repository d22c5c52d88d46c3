"""The "Add to incident timeline" shortcut and its form."""

from __future__ import annotations

NO_TEXT_TO_ADD = "That message has no text to add."
ALREADY_ON_A_TIMELINE = "That message is already on an incident's timeline."
NO_OPEN_INCIDENTS = "There are no open incidents to add it to."
PICK_THE_INCIDENT = "Pick the incident it belongs to."


def already_on_the_timeline_of(ref: str) -> str:
    return f"That message is already on the timeline of {ref}."

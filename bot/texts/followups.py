"""Follow-ups: `/incident followup …`, the message shortcut, and the ✅ reaction."""

from __future__ import annotations

from bot.texts.common import quoted

NO_TEXT = "The follow-up has no text: say what needs doing."
NOT_FROM_AN_INCIDENT_CHANNEL = "Follow-ups come from messages in an incident channel."
NOT_ON_THE_TIMELINE_YET = "That message is not on the incident timeline (yet); try again in a moment."


def too_long(length: int, limit: int) -> str:
    return f"The follow-up is {length} characters long; keep it under {limit}."


def no_such_follow_up(ref: str, number: int) -> str:
    return f"{ref} has no follow-up #{number}. See them with `/incident followup list`."


def already_done(number: int, ref: str) -> str:
    return f"Follow-up #{number} of {ref} is already done."


def not_a_number(words: str) -> str:
    return f"{quoted(words)} is not a follow-up number."


def not_an_action(word: str) -> str:
    return f"{quoted(word)} is not a followup action."


def not_a_date(word: str) -> str:
    return f"{quoted(word)} is not a date like 2026-12-01."


def added(number: int, ref: str) -> str:
    return f"Follow-up #{number} added to {ref}."


def done(number: int, ref: str) -> str:
    return f"Follow-up #{number} of {ref} is done."

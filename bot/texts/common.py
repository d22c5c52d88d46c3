"""Words shared by every domain: quoting what someone typed, and what a failing store means for them."""

from __future__ import annotations

from bot.slack.mrkdwn import escape


def quoted(words: str) -> str:
    """The person's own words, shortened and escaped, so a reply cannot ping @channel."""
    return f"`{escape(words[:40]) or '(nothing)'}`"


def with_usage(problem: str, usage: str) -> str:
    return f"{problem}\nUsage: {usage}"


def not_a_command(action: str, *, command: str, usage: str) -> str:
    return with_usage(f"{quoted(action)} is not a {command} command.", usage)


def too_long(what: str, length: int, limit: int) -> str:
    return f"The {what} is {length} characters long; keep it under {limit}."


NUL_CHARACTER = "The command holds a NUL character (\\x00), which cannot be stored. Type it again."


def nothing_stored(failure: str) -> str:
    """A slash command refused because the database cannot take the change (`failure` says why)."""
    return f":warning: Nothing was done: {failure}. Try again once it is fixed; `/readyz` shows when."

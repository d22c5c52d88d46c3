"""The web pages: filters in a hand-edited address, Sign in with Slack, and pages that do not exist."""

from __future__ import annotations

from collections.abc import Iterable


def unknown_status(status: str, choices: Iterable[str]) -> str:
    return f"status {status[:40]!r} is not known: use one of {', '.join(choices)}."


def unknown_severity(severity: str) -> str:
    return f"severity {severity[:40]!r} is not known: use SEV1, SEV2, SEV3 or SEV4."


def not_a_page(page: str) -> str:
    return f"page {page[:40]!r} is not a page number: use 1, 2, 3 …"


def no_such_slo(name: str) -> str:
    return f"There is no SLO named {name[:80]!r}; the SLOs page lists every one."


# Sign in with Slack

NOT_STARTED_HERE = "This sign-in was not started in this browser: sign in again from here."
EXPIRED_OR_USED = "This sign-in expired or was already used: sign in again."
OTHER_WORKSPACE = "You signed in to another Slack workspace: sign in with your account in the bot's workspace."
NOT_SET_UP = "Sign in with Slack is not set up: set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and WEB_BASE_URL."
SLACK_UNREACHABLE_AT_START = "Slack could not be reached to start the sign-in: try again in a minute."
SLACK_UNREACHABLE_AT_FINISH = "Slack could not be reached to finish the sign-in: try again in a minute."
ANSWER_FOR_ANOTHER_SIGN_IN = "Slack's answer belongs to another sign-in: sign in again."
ANSWER_NAMES_NOBODY = "Slack's answer names no person or workspace: sign in again."


def slack_refused(error: object) -> str:
    return f"Slack refused the sign-in ({error}): sign in again."


def unreadable_answer(problem: object) -> str:
    return f"Slack's answer could not be read ({problem}): sign in again."

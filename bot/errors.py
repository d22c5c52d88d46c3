"""Errors of oncall-bot, and who sees them.

OncallError
├── SettingsError        a missing or invalid setting; one line, then exit
├── UserError            shown to the person who asked (ephemeral reply, 4xx body)
│   ├── UsageError       the command itself was malformed: carries the usage line
│   ├── IncidentNotFound
│   └── SignInRefused    Sign in with Slack did not end in a session: the page says why
└── SlackError           a Web API call failed
    ├── SlackRetryable   429, 5xx, timeouts, connection errors: the outbox tries again
    └── SlackRejected    Slack said no (ok=false): retrying the same call cannot help

Storage's own, defined in storage/errors.py (storage imports nothing of bot) and re-exported here:
StoreUnavailable         the database cannot take the request now; its message says why (unreachable,
                         read-only, full, failing), for the person or sender who was refused
DatabaseNewerThanCode    the database was migrated by a newer oncall-bot
DatabaseNotReady         a command that only reads found no database, or migrations pending
"""

from __future__ import annotations

from storage.errors import DatabaseNewerThanCode, DatabaseNotReady, StoreUnavailable

__all__ = [
    "DatabaseNewerThanCode",
    "DatabaseNotReady",
    "IncidentNotFound",
    "OncallError",
    "SettingsError",
    "SignInRefused",
    "SlackError",
    "SlackRejected",
    "SlackRetryable",
    "StoreUnavailable",
    "UsageError",
    "UserError",
]


class OncallError(Exception):
    """Base of every error the bot raises on purpose."""


class SettingsError(OncallError):
    """A setting is missing or invalid."""


class UserError(OncallError):
    """Something the person can fix; the message is shown to them as is."""


class UsageError(UserError):
    """A command could not be parsed."""


class IncidentNotFound(UserError):
    """The named incident, or the channel's incident, does not exist."""


class SignInRefused(UserError):
    """A sign-in to the web pages that cannot be completed; the message says what to do."""


class SlackError(OncallError):
    """A Slack Web API call failed."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error


class SlackRetryable(SlackError):
    """A failure that may pass: rate limit, outage, timeout."""

    def __init__(self, method: str, error: str, *, retry_after: float | None = None) -> None:
        super().__init__(method, error)
        self.retry_after = retry_after


class SlackRejected(SlackError):
    """Slack refused the call; the same call will be refused again."""


class AlertmanagerUnreachable(SlackRetryable):
    """Alertmanager did not answer (or answered 5xx): the outbox retries it as it retries Slack's outages."""


class AlertmanagerRefused(SlackRejected):
    """Alertmanager refused the call (4xx): the same call would be refused again, so the entry is parked."""

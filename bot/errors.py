"""Errors of oncall-bot, and who sees them.

OncallError
├── SettingsError        a missing or invalid setting; one line, then exit
├── UserError            shown to the person who asked (ephemeral reply, 4xx body)
│   ├── UsageError       the command itself was malformed: carries the usage line
│   ├── IncidentNotFound
│   └── SignInRefused    Sign in with Slack did not end in a session: the page says why
└── RemoteError          a call to another system (Slack, PagerDuty, a webhook) failed
    ├── RemoteRetryable  429, 5xx, timeouts, connection errors: the outbox tries again
    ├── RemoteRejected   the other side said no: retrying the same call cannot help (parked)
    └── SlackError       a Web API call failed
        ├── SlackRetryable   (a RemoteRetryable)
        └── SlackRejected    Slack said no (ok=false) (a RemoteRejected)

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
    "RemoteError",
    "RemoteRejected",
    "RemoteRetryable",
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


class RemoteError(OncallError):
    """A call to another system failed: `method` names the call (a Web API method, `pagerduty.enqueue`)."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error


class RemoteRetryable(RemoteError):
    """A failure that may pass: rate limit, outage, timeout. The outbox worker tries the entry again."""

    def __init__(self, method: str, error: str, *, retry_after: float | None = None) -> None:
        super().__init__(method, error)
        self.retry_after = retry_after


class RemoteRejected(RemoteError):
    """The other side refused the call; the same call will be refused again, so the entry is parked."""


class SlackError(RemoteError):
    """A Slack Web API call failed."""


class SlackRetryable(SlackError, RemoteRetryable):
    """A failure that may pass: rate limit, outage, timeout."""


class SlackRejected(SlackError, RemoteRejected):
    """Slack refused the call; the same call will be refused again."""


class AlertmanagerUnreachable(SlackRetryable):
    """Alertmanager did not answer (or answered 5xx): the outbox retries it as it retries Slack's outages."""


class AlertmanagerRefused(SlackRejected):
    """Alertmanager refused the call (4xx): the same call would be refused again, so the entry is parked."""

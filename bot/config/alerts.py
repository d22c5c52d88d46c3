"""The alert sections of ONCALL_CONFIG: `alerts:` (severity mapping, grouping, routes), `storm:` and `webhooks:`.

bot/config/schema.py assembles them into OncallConfig; docs/configuration.md documents every key.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from bot.values.fields import Strict
from storage.enums import Severity

NO_INCIDENT = "none"


def _severity_or_none(value: Any) -> Severity | None:
    """`sev1`…`sev4` (any case) or `none`/null, which means "post it, open no incident"."""
    if value is None or (isinstance(value, str) and value.strip().lower() == NO_INCIDENT) or value is False:
        return None
    severity = Severity.parse(str(value))
    if severity is None:
        raise ValueError(f"must be sev1, sev2, sev3, sev4 or none, got {value!r}")
    return severity


IncidentSeverity = Annotated[Severity | None, BeforeValidator(_severity_or_none)]

# Alert severities as monitoring systems name them, lower-cased.
DEFAULT_SEVERITY_MAP: dict[str, Severity | None] = {
    "critical": Severity.SEV2,
    "page": Severity.SEV2,
    "error": Severity.SEV3,
}


def _lower_keys(value: Any) -> Any:
    return {str(key).lower(): item for key, item in value.items()} if isinstance(value, dict) else value


def _user_id(user: str) -> str:
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user):
        raise ValueError(f"{user!r} is not a Slack user id (like U024BE7LH)")
    return user


def _usergroup_id(group: str) -> str:
    if not re.fullmatch(r"S[A-Z0-9]{2,}", group):
        raise ValueError(f"{group!r} is not a Slack user group id (like S0614TZR7)")
    return group


UserId = Annotated[str, AfterValidator(_user_id)]
UsergroupId = Annotated[str, AfterValidator(_usergroup_id)]


class Route(Strict):
    """Alerts whose labels match go to a team, with that team's mapping, channels and responders."""

    match: dict[str, str] = Field(default_factory=dict)
    match_re: dict[str, str] = Field(default_factory=dict)
    team: str | None = None
    severity: Annotated[dict[str, IncidentSeverity] | None, BeforeValidator(_lower_keys)] = None
    channel: str | None = None
    announce_channel: str | None = None
    responders: list[UserId] = Field(default_factory=list)
    usergroup: UsergroupId | None = None
    declare: bool | None = None
    group_by: list[str] | None = None
    # A schedule's name: whoever is on call in it when the alert opens an incident is invited and named.
    oncall: str | None = None
    # An escalation policy started when this route opens an incident (docs/paging.md).
    escalation: str | None = None

    @field_validator("match_re")
    @classmethod
    def _compiles(cls, patterns: dict[str, str]) -> dict[str, str]:
        for label, pattern in patterns.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{label}: {pattern!r} is not a regular expression ({exc})") from None
        return patterns

    def matches(self, labels: dict[str, str]) -> bool:
        if any(labels.get(name) != value for name, value in self.match.items()):
            return False
        return all(re.fullmatch(pattern, labels.get(name, "")) for name, pattern in self.match_re.items())


class AlertsConfig(Strict):
    channel: str = "#alerts"
    severity: Annotated[dict[str, IncidentSeverity], BeforeValidator(_lower_keys)] = Field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_MAP)
    )
    declare: bool = True
    group_by: list[str] = Field(default_factory=lambda: ["alertname"])
    auto_resolve: bool = False
    routes: list[Route] = Field(default_factory=list)


class StormConfig(Strict):
    max_new_incidents_per_minute: int = Field(default=5, ge=1)
    # Slack takes about one message per second per channel; past this many group messages in a minute,
    # an alerts channel gets one message listing the further groups (bot/alerts/rollup.py).
    max_alert_posts_per_minute: int = Field(default=10, ge=1)


class PagerDutyConfig(Strict):
    # Several secrets let an operator rotate one without dropping deliveries.
    secrets: list[str] = Field(default_factory=list)

    @field_validator("secrets", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


# A delivery is stored in bounded chunks, so its size no longer stalls Slack's answers, but its time
# to answer grows with it: past this many alerts a sender is told to split (Alertmanager: max_alerts).
DEFAULT_MAX_ALERTS_PER_DELIVERY = 5000


class WebhooksConfig(Strict):
    # Per-source bearer tokens; a source not listed here uses WEBHOOK_TOKEN.
    tokens: dict[str, str] = Field(default_factory=dict)
    max_alerts_per_delivery: int = Field(default=DEFAULT_MAX_ALERTS_PER_DELIVERY, ge=1)
    pagerduty: PagerDutyConfig = Field(default_factory=PagerDutyConfig)

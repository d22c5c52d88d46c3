"""The `escalation_policies:` section of ONCALL_CONFIG, checked key by key.

bot/config/schema.py adds it as `escalation_policies: EscalationPoliciesConfig`, and checks there that
every `schedule:` target names a configured schedule (this module cannot see the schedules).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from bot.values.fields import Duration, Strict, unique_names

_TARGET = re.compile(
    r"schedule:(?P<schedule>[A-Za-z0-9][A-Za-z0-9_-]{0,79})"
    r"|user:(?P<user>[UW][A-Z0-9]{2,})"
    r"|usergroup:(?P<group>S[A-Z0-9]{2,})"
    r"|@(?P<handle>[a-z0-9][a-z0-9._-]{0,79})"
    r"|channel:(?P<channel>#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,})"
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
MOST_REPEATS = 10


def parse_target(value: Any) -> tuple[str, str]:
    """`schedule:payments` → ("schedule", "payments"); user, usergroup (id or @handle) and channel alike."""
    text = str(value).strip()
    match = _TARGET.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text[:80]!r} is not a target: write schedule:NAME, user:U…, usergroup:S… (or @handle) or channel:#name"
        )
    if match["schedule"]:
        return ("schedule", match["schedule"])
    if match["user"]:
        return ("user", match["user"])
    if match["group"] or match["handle"]:
        return ("usergroup", match["group"] or match["handle"])
    return ("channel", match["channel"])


def _target(value: Any) -> str:
    kind, name = parse_target(value)
    return f"{kind}:{name}"


Target = Annotated[str, BeforeValidator(_target)]


def _positive(wait: timedelta) -> timedelta:
    if wait <= timedelta():
        raise ValueError("must be a positive duration, like 5m")
    return wait


# PagerDuty's Events API v2 takes "the 32 character Integration Key" of an integration (or a ruleset's).
_ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _routing_key(value: Any) -> str:
    key = str(value).strip()
    if not _ROUTING_KEY.fullmatch(key):
        raise ValueError(
            f"is not a PagerDuty routing key ({len(key)} characters): copy the 32-character Integration Key"
            " of the service's Events API v2 integration"
        )
    return key


def _webhook_url(value: Any) -> str:
    url = str(value).strip()
    parts = urlsplit(url)
    # Pages carry incident titles: only over TLS, except to a receiver on this machine.
    local = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not parts.hostname or (parts.scheme != "https" and not local):
        raise ValueError(f"{url[:80]!r} is not an https:// URL (http:// is allowed to localhost only)")
    return url


RoutingKey = Annotated[str, BeforeValidator(_routing_key)]
WebhookUrl = Annotated[str, BeforeValidator(_webhook_url)]


class StepConfig(Strict):
    notify: list[Target] = Field(default_factory=list)
    # Phones: a PagerDuty service (its Events API v2 routing key) and a webhook, beside or instead of Slack.
    pagerduty: RoutingKey | None = None
    webhook: WebhookUrl | None = None
    # Before the next step, unless someone acknowledged.
    wait: Annotated[Duration, AfterValidator(_positive)] = timedelta(minutes=5)

    @model_validator(mode="after")
    def _pages_someone(self) -> StepConfig:
        if not (self.notify or self.pagerduty or self.webhook):
            raise ValueError("pages nobody: give it notify (a list of targets), pagerduty or webhook")
        return self


class PolicyConfig(Strict):
    name: str
    steps: list[StepConfig] = Field(min_length=1)
    # Run the steps again this many times, then stop and say so.
    repeat: int = Field(default=0, ge=0, le=MOST_REPEATS)
    # An acknowledged incident with no status update or note for this long is paged again from step 1.
    ack_timeout: Annotated[Duration, AfterValidator(_positive)] | None = None

    @field_validator("name")
    @classmethod
    def _short_name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a policy name: letters, digits, - and _ (it is typed in /incident page)")
        return name

    def has_webhook(self) -> bool:
        return any(step.webhook for step in self.steps)

    def routing_keys(self) -> list[str]:
        return [step.pagerduty for step in self.steps if step.pagerduty]

    def schedules(self) -> set[str]:
        return {
            target.partition(":")[2] for step in self.steps for target in step.notify if target.startswith("schedule:")
        }


EscalationPoliciesConfig = Annotated[list[PolicyConfig], AfterValidator(unique_names("escalation policies"))]

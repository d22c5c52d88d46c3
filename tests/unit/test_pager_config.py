"""A step's `pagerduty:` and `webhook:`: checked at load (one line, the key never echoed), kept in the plan."""

from __future__ import annotations

import pytest

from bot.config.schema import parse_config
from bot.errors import SettingsError
from bot.paging.service import Plan

KEY = "R0123456789ABCDEF0123456789ABCDE"


def policy(step: str) -> str:
    return f"escalation_policies:\n  - name: phones\n    steps:\n      - {step}\n"


def test_a_step_may_page_only_phones_and_the_plan_keeps_them() -> None:
    config = parse_config(policy(f"pagerduty: {KEY}\n        webhook: https://pager.example.com/page"))
    found = config.policy("phones")
    assert found is not None and found.steps[0].notify == []
    assert Plan.of(found).steps == [
        {"notify": [], "wait": 300.0, "pagerduty": KEY, "webhook": "https://pager.example.com/page"}
    ]
    assert parse_config(policy("webhook: http://127.0.0.1:9000/page")).escalation_policies[0].has_webhook()


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        (
            f"pagerduty: {KEY[:-1]}",
            "escalation_policies[0].steps[0].pagerduty is not a PagerDuty routing key (31 characters): copy the"
            " 32-character Integration Key of the service's Events API v2 integration",
        ),
        (
            "webhook: http://pager.example.com/page",
            "escalation_policies[0].steps[0].webhook 'http://pager.example.com/page' is not an https:// URL"
            " (http:// is allowed to localhost only)",
        ),
        (
            "wait: 5m",
            "escalation_policies[0].steps[0] pages nobody: give it notify (a list of targets), pagerduty or webhook",
        ),
    ],
)
def test_a_bad_pager_is_refused_with_one_line(step: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_config(policy(step))
    assert str(caught.value) == f"ONCALL_CONFIG: {problem}"
    assert KEY[:-1] not in str(caught.value)

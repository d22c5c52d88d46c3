"""`escalation_policies:` in ONCALL_CONFIG: a mistake stops the bot with one line naming the key and the fix."""

from __future__ import annotations

import pytest

from bot.config.schema import parse_config
from tests.helpers import config_refusal

SCHEDULES = """
schedules:
  - name: payments
    layers:
      - name: primary
        users: [U0ALICE]
        start: 2026-12-07T09:00
        rotation: 1w
"""


def policies(text: str) -> str:
    return SCHEDULES + "escalation_policies:\n" + text


refusal = config_refusal


def test_a_good_policy_keeps_its_targets_and_waits() -> None:
    config = parse_config(
        policies(
            "  - name: payments-critical\n    steps:\n"
            "      - notify: [schedule:payments, '@payments-leads']\n        wait: 5m\n"
            "      - notify: [user:U0LEAD, channel:#payments, usergroup:S0OPS]\n    repeat: 2\n"
        )
    )
    policy = config.policy("PAYMENTS-critical")
    assert policy is not None and policy.repeat == 2
    assert policy.steps[0].notify == ["schedule:payments", "usergroup:payments-leads"]
    assert policy.steps[1].notify == ["user:U0LEAD", "channel:#payments", "usergroup:S0OPS"]
    assert policy.steps[1].wait.total_seconds() == 300  # the default


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ("      - notify: [schedule:paymnts]\n", "pages schedule:paymnts, which is not a schedule"),
        ("      - notify: [bob]\n", "'bob' is not a target: write schedule:NAME, user:U…"),
        ("      - notify: []\n", "notify"),
        ("      - notify: [user:U0LEAD]\n        wait: 0s\n", "is not a positive duration"),
    ],
)
def test_a_bad_step_is_refused_with_one_line(steps: str, problem: str) -> None:
    assert problem in refusal(policies(f"  - name: p1\n    steps:\n{steps}"))


def test_two_policies_of_one_name_and_too_many_repeats_are_refused() -> None:
    step = "    steps:\n      - notify: [user:U0LEAD]\n"
    assert "two escalation policies are named 'P1'" in refusal(policies(f"  - name: p1\n{step}  - name: P1\n{step}"))
    assert "repeat" in refusal(policies(f"  - name: p1\n{step}    repeat: 11\n"))


def test_a_route_naming_a_policy_that_does_not_exist_is_refused() -> None:
    policy = "  - name: payments-critical\n    steps:\n      - notify: [user:U0LEAD]\n"
    route = "alerts:\n  routes:\n    - match: {service: payments}\n      escalation: payments-crit\n"
    assert refusal(policies(policy) + route) == (
        "ONCALL_CONFIG: alerts.routes[0].escalation: 'payments-crit' is not an escalation policy"
        " (the policies: payments-critical; add it under `escalation_policies:` or fix the name)"
    )

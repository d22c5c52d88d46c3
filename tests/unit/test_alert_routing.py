"""ONCALL_CONFIG routing: which alerts open incidents, for which team, grouped how; bad files explained."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts.models import AlertIn, AlertStatus
from bot.alerts.routing import Router
from bot.config.schema import load_config, parse_config
from bot.errors import SettingsError
from bot.incidents.models import Severity


def alert(severity: str | None = "critical", group_key: str | None = None, **labels: str) -> AlertIn:
    return AlertIn(
        source="alertmanager",
        fingerprint="f" + "".join(sorted(labels.values())),
        status=AlertStatus.FIRING,
        labels={"alertname": "DiskFull", **labels},
        annotations={},
        summary="Disk full",
        severity=severity,
        starts_at=datetime(2026, 11, 23, tzinfo=UTC),
        group_key=group_key,
    )


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", Severity.SEV2), ("page", Severity.SEV2), ("error", Severity.SEV3), ("warning", None), (None, None)],
)
def test_without_config_critical_page_and_error_open_incidents_and_the_rest_are_posted(
    severity: str | None, expected: Severity | None
) -> None:
    decision = Router(parse_config("").alerts).route(alert(severity))
    assert decision.severity is expected
    assert decision.opens_incident is (expected is not None)
    assert decision.channel == "#alerts"


def test_first_matching_route_wins_with_exact_and_regex_matchers() -> None:
    config = parse_config(
        """
alerts:
  routes:
    - match: {service: payments}
      match_re: {alertname: "Disk.*"}
      team: payments-storage
      severity: {CRITICAL: sev1, warning: none}
    - match: {service: payments}
      team: payments
"""
    )
    router = Router(config.alerts)
    storage = router.route(alert(service="payments"))
    assert (storage.team, storage.severity) == ("payments-storage", Severity.SEV1)
    assert router.route(alert("warning", service="payments")).opens_incident is False
    other = router.route(alert(service="payments", alertname="Latency"))
    assert (other.team, other.severity) == ("payments", Severity.SEV2)  # the route keeps the default mapping
    assert router.route(alert(service="search")).team is None


def test_route_can_post_without_declaring() -> None:
    config = parse_config(
        "alerts:\n  routes:\n    - match: {env: staging}\n      declare: false\n      channel: '#staging'"
    )
    decision = Router(config.alerts).route(alert(env="staging"))
    assert (decision.opens_incident, decision.channel) == (False, "#staging")


def test_alerts_group_by_the_sources_key_else_by_configured_labels_else_alone() -> None:
    router = Router(parse_config("alerts:\n  group_by: [alertname, cluster]").alerts)
    assert router.route(alert(group_key='{}:{alertname="DiskFull"}')).group_key == '{}:{alertname="DiskFull"}'
    one = router.route(alert(cluster="eu-1", instance="a"))
    two = router.route(alert(cluster="eu-1", instance="b"))
    assert one.group_key == two.group_key == "alertname=DiskFull,cluster=eu-1"
    lone = Router(parse_config("alerts:\n  group_by: [cluster]").alerts).route(alert(instance="a"))
    assert lone.group_key.startswith("fingerprint:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alerts:\n  severity: {critical: sev9}", "alerts.severity.critical must be sev1, sev2, sev3, sev4 or none"),
        ("alerts:\n  routes:\n    - match_re: {alertname: '('}", "alerts.routes[0].match_re alertname: '('"),
        ("alerts:\n  routes:\n    - responders: [alice]", "'alice' is not a Slack user id"),
        ("storm:\n  max_new_incidents_per_minute: 0", "storm.max_new_incidents_per_minute"),
        ("storm:\n  max_alert_posts_per_minute: 0", "storm.max_alert_posts_per_minute"),
        ("alerts:\n  chanel: '#x'", "alerts.chanel is not a known setting"),
        ("alerts: [1, 2", "not valid YAML"),
        ("- just a list", "the top level must be a mapping"),
        (
            "alerts:\n  routes:\n    - oncall: payments",
            "ONCALL_CONFIG: alerts.routes[0].oncall: 'payments' is not a schedule (none are configured: add it under",
        ),
        (
            "schedules:\n  - {name: payments, layers: [{name: a, users: [U0A], start: 2026-12-07T09:00, rotation: 1w}]}"
            "\nalerts:\n  routes:\n    - {match: {team: pay}}\n    - oncall: paymnets",
            "alerts.routes[1].oncall: 'paymnets' is not a schedule (the schedules are payments: fix the name or add it",
        ),
    ],
)
def test_a_bad_config_is_one_line_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_config(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_route_names_its_schedule_in_any_case() -> None:
    schedule = "{name: payments, layers: [{name: a, users: [U0A], start: 2026-12-07T09:00, rotation: 1w}]}"
    config = parse_config(
        f"schedules: [{schedule}]\nalerts:\n  routes:\n    - {{match: {{team: pay}}, oncall: Payments}}"
    )
    assert Router(config.alerts).route(alert(team="pay")).oncall == "Payments"
    assert Router(config.alerts).route(alert(team="web")).oncall is None


def test_a_service_s_schedule_answers_when_the_route_names_none() -> None:
    layers = "layers: [{name: a, users: [U0A], start: 2026-12-07T09:00, rotation: 1w}]"
    config = parse_config(
        f"schedules:\n  - {{name: payments, services: [checkout, refunds], {layers}}}\n  - {{name: web, {layers}}}\n"
        "alerts:\n  routes:\n    - {match: {team: web}, oncall: web}"
    )
    router = Router(config.alerts, config.schedules)
    assert router.route(alert(service="refunds")).oncall == "payments"
    assert router.route(alert(service="refunds", team="web")).oncall == "web"  # the route's own wins
    assert router.route(alert(service="search")).oncall is None
    twice = f"schedules:\n  - {{name: payments, services: [checkout], {layers}}}\n"
    twice += f"  - {{name: web, services: [checkout], {layers}}}"
    with pytest.raises(SettingsError, match="schedules the service 'checkout' is in payments and web: one schedule"):
        parse_config(twice)


def test_config_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "oncall.yml"
    folder.mkdir()
    with pytest.raises(SettingsError, match=r"ONCALL_CONFIG .*oncall.yml: cannot be read"):
        load_config(folder)


def test_documented_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "docs" / "oncall.example.yml"
    config = load_config(example)
    assert config.alerts.routes, "the example should show a route"
    assert {slo.kind for slo in config.slos} == {"availability", "latency", "error_rate"}
    assert config.digests[0].cron == "0 9 * * MON"

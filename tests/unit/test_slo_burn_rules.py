"""A team's own burn rules decide when its SLO's burn alert fires and how severe it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.alerts.models import AlertStatus
from bot.slo.burn import burn_alert
from bot.slo.math import WHOLE_WINDOW, assess
from bot.slo.models import Measurement, SloDefinition
from bot.slo.presentation import burn_rates_text, fast_burn_text
from bot.slo.rules import BurnRule
from storage.tables import SloEvaluation

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PAGE_AFTER_10M = BurnRule(
    window=timedelta(hours=1),
    burn_rate=2,
    op="gte",
    severity="page",
    alert_after=timedelta(minutes=10),
    policy="orders-page",
    notification_targets=["orders-oncall"],
)
SLO = SloDefinition.model_validate(
    {
        "name": "orders",
        "service": "orders",
        "objective": 0.99,
        "source": {"type": "events"},
        "burn_alerts": [PAGE_AFTER_10M],
    }
)


def evaluation(at: datetime, *, rate_1h: float, since: datetime | None) -> SloEvaluation:
    return SloEvaluation(
        slo="orders",
        service="orders",
        at=at,
        objective=0.99,
        window_seconds=86400,
        status="AT_RISK",
        burn_rates={"1h": rate_1h, "5m": 0.0},
        fast_burn=since is not None,
        fast_burn_since=since,
        budget_remaining=0.5,
    )


def test_a_single_window_rule_breaches_at_its_threshold_where_the_workbook_rules_would_not() -> None:
    # 2 % errors over the last hour against a 1 % budget: a burn rate of exactly 2×, and none over 5 minutes
    measurements = {"1h": Measurement(980, 1000), "5m": Measurement(100, 100), WHOLE_WINDOW: Measurement(9990, 10000)}

    assert assess(measurements, 0.99, [PAGE_AFTER_10M]).fast_burn
    assert not assess(measurements, 0.99).fast_burn  # 14.4× and 6× are far off


def test_the_alert_fires_once_the_burn_has_lasted_alert_after_with_the_policys_severity_and_labels() -> None:
    early = evaluation(START + timedelta(minutes=5), rate_1h=3.0, since=START)
    assert burn_alert(SLO, early, None) is None  # burning for 5 minutes, the policy waits 10

    held = evaluation(START + timedelta(minutes=10), rate_1h=3.0, since=START)
    alert = burn_alert(SLO, held, early)
    assert alert is not None and alert.status is AlertStatus.FIRING
    assert alert.severity == "page" and alert.starts_at == START
    assert alert.labels["alert_policy"] == "orders-page" and alert.labels["notification_targets"] == "orders-oncall"
    assert "3.0× over 1h" in (alert.description or "")

    over = evaluation(START + timedelta(minutes=15), rate_1h=1.0, since=None)
    resolved = burn_alert(SLO, over, held)
    assert (
        resolved is not None and resolved.status is AlertStatus.RESOLVED and resolved.fingerprint == alert.fingerprint
    )


def test_a_burn_that_ends_before_alert_after_raises_and_resolves_nothing() -> None:
    early = evaluation(START + timedelta(minutes=5), rate_1h=3.0, since=START)
    over = evaluation(START + timedelta(minutes=10), rate_1h=1.0, since=None)

    assert burn_alert(SLO, over, early) is None


def test_slo_show_names_the_teams_rule_that_breaches_and_the_window_it_reads() -> None:
    rule = BurnRule(window=timedelta(minutes=15), burn_rate=2, op="gte", severity="page")
    rates: dict[str, float | None] = {"5m": 1.0, "1h": 2.5, "15m": 3.0, WHOLE_WINDOW: 0.5}

    assert fast_burn_text(rates, [rule]) == ":rotating_light: *Burning fast*: 15m 3× is at or over 2×"
    assert burn_rates_text(rates).endswith("1h 2.5× · 6h – · 1d – · 3d – · 15m 3× · window 0.5×")

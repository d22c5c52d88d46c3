"""What managers read in the weekly SLO digest and what `/slo list` and `/slo show` answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.slo.history import to_report
from bot.slo.models import SloDefinition, SloKind, SloStatus
from bot.slo.presentation import (
    NO_SLOS,
    digest_message,
    format_burn_rate,
    format_percent,
    format_threshold,
    slo_list_text,
    slo_show_text,
)
from bot.slo.report import BudgetPoint, BudgetSeries, Digest, DigestIncident, SloReport
from slack_emulator.blocks import block_errors
from storage.tables import SloEvaluation

NOW = datetime(2025, 3, 10, 6, tzinfo=UTC)
WINDOW = timedelta(days=28)
ZONE = ZoneInfo("Europe/Berlin")
HOSTILE = "<!channel> *x*"
# What bot/slo/digest.py appends once the chart is uploaded.
CHART = {"type": "image", "slack_file": {"id": "F0CHART"}, "alt_text": "Error budget remaining"}


def _report(name: str, status: SloStatus, budget: float | None, **overrides: Any) -> SloReport:
    values: dict[str, Any] = {
        "service": "checkout",
        "kind": SloKind.AVAILABILITY,
        "objective": 0.999,
        "window": WINDOW,
        "at": NOW,
        "attainment": None if budget is None else 1 - (1 - budget) * 0.001,
        "budget_remaining": budget,
        **overrides,
    }
    return SloReport(name=name, status=status, **values)


def _digest(reports: list[SloReport], **overrides: Any) -> Digest:
    values: dict[str, Any] = {"last_week": {}, "incidents": [], **overrides}
    return Digest(start=NOW - timedelta(days=7), end=NOW, reports=reports, **values)


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


def _everything(text: str, blocks: list[dict[str, Any]]) -> str:
    return text + json.dumps(blocks, ensure_ascii=False)


MIXED = [
    _report("checkout-availability", SloStatus.PASS, 0.6),
    _report(
        "search-latency",
        SloStatus.AT_RISK,
        0.18,
        service="search",
        kind=SloKind.LATENCY,
        objective=0.99,
        attainment=0.99182,
        threshold=timedelta(milliseconds=300),
    ),
    _report("billing-events", SloStatus.NO_DATA, None, service="billing", error="Prometheus answered 503"),
    _report("api-errors", SloStatus.FAIL, -0.52, service="api", kind=SloKind.ERROR_RATE, attainment=0.99848),
    _report("payments", SloStatus.PASS, 0.9, service="payments", attainment=0.9999),
]


def test_weekly_digest_passes_slacks_block_kit_checks_and_leaves_room_for_the_chart() -> None:
    incident = DigestIncident(42, "Checkout 500s", "SEV1", "checkout", NOW - timedelta(days=2), timedelta(hours=2))
    _, blocks = digest_message(_digest(MIXED, incidents=[incident]), zone=ZONE)

    assert block_errors(blocks) == []
    assert block_errors([*blocks, CHART]) == []
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "SLO digest · week of 3 Mar 2025"}}
    assert blocks[-1]["type"] == "context"


def test_manager_reads_a_one_line_summary_in_the_notification_and_the_message() -> None:
    text, blocks = digest_message(_digest(MIXED), zone=ZONE)

    assert "5 SLOs: 2 PASS · 1 AT RISK · 1 FAIL · 1 NO DATA" in text
    assert text.startswith("SLO digest · week of 3 Mar 2025")
    assert "Failing: api-errors" in text
    assert _texts(blocks)[0] == "*5 SLOs: 2 PASS · 1 AT RISK · 1 FAIL · 1 NO DATA*"


def test_digest_shows_the_worst_slo_first() -> None:
    _, blocks = digest_message(_digest(MIXED), zone=ZONE)

    names = [text.split("*")[3] for text in _texts(blocks)[1:6]]
    # FAIL, AT RISK, NO DATA, PASS; the PASSes by budget left, least first
    assert names == ["api-errors", "search-latency", "billing-events", "checkout-availability", "payments"]
    assert _texts(blocks)[1].startswith(":red_circle: *FAIL*")
    assert _texts(blocks)[2].startswith(":large_orange_circle: *AT RISK*")
    assert _texts(blocks)[3].startswith(":white_circle: *NO DATA*")
    assert _texts(blocks)[4].startswith(":large_green_circle: *PASS*")


def test_digest_shows_attainment_against_objective_with_enough_precision() -> None:
    report = _report("checkout-availability", SloStatus.PASS, 0.5, attainment=0.9995)
    _, blocks = digest_message(_digest([report]), zone=ZONE)

    assert "99.95 % vs 99.9 % · budget 50 % left" in _texts(blocks)[1]


def test_latency_slo_shows_its_threshold_and_error_rate_slo_its_errors() -> None:
    _, blocks = digest_message(_digest(MIXED), zone=ZONE)
    text = "\n".join(_texts(blocks))

    assert "99.2 % vs 99 % under 300 ms · budget 18 % left" in text
    assert "errors 0.15 % (max 0.1 %) · budget -52 % (overspent)" in text


def test_no_data_slo_shows_why() -> None:
    _, blocks = digest_message(_digest(MIXED), zone=ZONE)

    assert "No data: Prometheus answered 503" in _texts(blocks)[3]


def test_trend_shows_budget_last_week_and_now_with_arrow_and_points() -> None:
    now = [
        _report("falling", SloStatus.PASS, 0.48),
        _report("rising", SloStatus.PASS, 0.70),
        _report("steady", SloStatus.PASS, 0.90),
        _report("brand-new", SloStatus.PASS, 0.95),
    ]
    last_week = {
        "falling": _report("falling", SloStatus.PASS, 0.62),
        "rising": _report("rising", SloStatus.PASS, 0.67),
        "steady": _report("steady", SloStatus.PASS, 0.902),
    }
    _, blocks = digest_message(_digest(now, last_week=last_week), zone=ZONE)
    text = "\n".join(_texts(blocks))

    assert "↓ 14 pp vs last week (62 % → 48 %)" in text
    assert "↑ 3 pp vs last week (67 % → 70 %)" in text
    assert "→ 0 pp vs last week (90 % → 90 %)" in text
    assert text.count("new this week") == 1


def test_incidents_that_spent_budget_link_to_their_channels() -> None:
    incidents = [
        DigestIncident(
            42,
            "Checkout 500s",
            "SEV1",
            "checkout",
            NOW - timedelta(days=2),
            timedelta(hours=2, minutes=5),
            channel_id="C0123ABC",
        ),
        DigestIncident(43, "Slow search", "SEV3", "search", NOW - timedelta(days=1), timedelta(minutes=40)),
    ]
    _, blocks = digest_message(_digest(MIXED, incidents=incidents), zone=ZONE)
    text = "\n".join(_texts(blocks))

    assert "*Incidents this week that spent budget*" in text
    assert "• *INC-42* in <#C0123ABC> · :red_circle: SEV1 · Checkout 500s · checkout · 2h 5m impact" in text
    assert "• *INC-43* · :large_yellow_circle: SEV3 · Slow search · search · 40m impact" in text


def test_a_week_without_incidents_says_none() -> None:
    _, blocks = digest_message(_digest(MIXED), zone=ZONE)

    assert "*Incidents this week that spent budget*\nnone" in _texts(blocks)


def test_context_names_the_week_and_when_it_was_evaluated() -> None:
    _, blocks = digest_message(_digest(MIXED), zone=ZONE)
    context = blocks[-1]["elements"][0]["text"]

    assert context.startswith("Week 3 Mar – 10 Mar 2025 (Europe/Berlin) · budgets over 4w windows · evaluated <!date^")


def test_hostile_slo_names_services_errors_and_titles_cannot_ping_the_channel() -> None:
    reports = [
        _report(HOSTILE, SloStatus.FAIL, -0.1, service=HOSTILE),
        _report("quiet", SloStatus.NO_DATA, None, error=HOSTILE),
    ]
    incidents = [DigestIncident(7, HOSTILE, HOSTILE, HOSTILE, NOW, timedelta(minutes=5), channel_id="C1")]
    text, blocks = digest_message(_digest(reports, incidents=incidents), zone=ZONE)
    shown = _everything(text, blocks) + slo_list_text(reports) + slo_show_text(reports[0], BudgetSeries(HOSTILE, []))
    shown += slo_show_text(reports[1], BudgetSeries("quiet", []))

    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown


def test_forty_slos_still_fit_in_one_message_with_the_chart() -> None:
    reports = [_report(f"service-{i:02}-availability", SloStatus.PASS, 0.5 + i / 100) for i in range(40)]
    incidents = [
        DigestIncident(i, f"Incident {i}", "SEV2", "checkout", NOW, timedelta(minutes=i)) for i in range(1, 30)
    ]
    _, blocks = digest_message(_digest(reports, incidents=incidents), zone=ZONE)

    assert len(blocks) <= 49
    assert block_errors([*blocks, CHART]) == []
    assert sum(text.count("service-") for text in _texts(blocks)) == 40


def test_a_hundred_slos_are_grouped_several_to_a_section() -> None:
    reports = [_report(f"slo-{i:03}", SloStatus.PASS, 0.5) for i in range(100)]
    _, blocks = digest_message(_digest(reports), zone=ZONE)

    assert len(blocks) <= 49
    assert block_errors(blocks) == []
    assert sum(text.count("*slo-") for text in _texts(blocks)) == 100


def test_slo_list_shows_one_line_per_slo_worst_first() -> None:
    lines = slo_list_text(MIXED).splitlines()

    assert lines[0] == "*5 SLOs: 2 PASS · 1 AT RISK · 1 FAIL · 1 NO DATA*"
    assert lines[1] == ":red_circle: *api-errors* · api · errors 0.15 % (max 0.1 %) · budget -52 % (overspent)"
    assert lines[2] == (
        ":large_orange_circle: *search-latency* · search · 99.2 % vs 99 % under 300 ms · budget 18 % left"
    )
    assert lines[3] == ":white_circle: *billing-events* · billing · no data: Prometheus answered 503"
    assert len(lines) == 6


def test_slo_list_without_slos_says_where_to_add_them() -> None:
    assert slo_list_text([]) == "No SLOs are configured. Add them under `slos:` in ONCALL_CONFIG (docs/slo.md)."
    assert NO_SLOS in digest_message(_digest([]), zone=ZONE)[0]


def test_slo_show_tells_everything_about_one_slo_with_a_sparkline() -> None:
    rates: dict[str, float | None] = {"5m": 18.0, "30m": 3.2, "1h": 15.23, "6h": 2.1, "1d": 0.8, "3d": None}
    report = _report(
        "search-latency",
        SloStatus.AT_RISK,
        0.18,
        service="search",
        kind=SloKind.LATENCY,
        objective=0.99,
        attainment=0.99182,
        threshold=timedelta(milliseconds=300),
        burn_rates={**rates, "window": 0.93},
        fast_burn=True,
    )
    history = BudgetSeries(
        "search-latency", [BudgetPoint(NOW - WINDOW + WINDOW * i / 100, 0.9 - 0.72 * i / 99) for i in range(100)]
    )

    text = slo_show_text(report, history)

    assert text.splitlines()[0] == ":large_orange_circle: *AT RISK* · *search-latency* · search"
    assert "Objective: 99 % under 300 ms over 4w" in text
    assert "Attainment: 99.2 %" in text
    assert "Budget remaining: 18 %" in text
    assert "Burn rates: 5m 18× · 30m 3.2× · 1h 15.2× · 6h 2.1× · 1d 0.8× · 3d – · window 0.93×" in text
    assert ":rotating_light: *Burning fast*: 1h 15.2× and 5m 18× are both over 14.4×" in text
    assert "Budget over 4w: `█" in text and "▁` 90 % → 18 %" in text
    assert "Last evaluated <!date^" in text


def test_slo_show_of_an_slo_without_data_gives_the_error_and_no_history() -> None:
    report = _report("billing-events", SloStatus.NO_DATA, None, error="Prometheus answered 503")

    text = slo_show_text(report, BudgetSeries("billing-events", []))

    assert "Attainment: –" in text
    assert "Burn rates: 5m – · 30m – · 1h – · 6h – · 1d – · 3d – · window –" in text
    assert "Budget over 4w: no history yet" in text
    assert "Error: Prometheus answered 503" in text
    assert "Burning fast" not in text


def test_slo_show_of_an_error_rate_slo_reads_as_errors() -> None:
    report = _report("api-errors", SloStatus.FAIL, -0.52, kind=SloKind.ERROR_RATE, attainment=0.99848)

    text = slo_show_text(report, BudgetSeries("api-errors", []))

    assert "Objective: errors at most 0.1 % over 4w" in text
    assert "Errors: 0.15 % (max 0.1 %)" in text
    assert "Budget remaining: -52 % (overspent)" in text


@pytest.mark.parametrize(
    ("ratio", "digits", "shown"),
    [
        (0.999, None, "99.9 %"),
        (0.9995, None, "99.95 %"),
        (0.99, None, "99 %"),
        (1 - 0.999, None, "0.1 %"),
        (0.4234, 0, "42 %"),
        (-0.52, 0, "-52 %"),
        (0.99999, 2, "99.999 %"),  # a miss never rounds up to 100 %
        (-0.001, 0, "-0.1 %"),  # nor an overspend to 0 %
        (0.0, 0, "0 %"),
        (1.0, 2, "100 %"),
        (None, None, "–"),
    ],
)
def test_percentages_are_as_precise_as_they_need_to_be(ratio: float | None, digits: int | None, shown: str) -> None:
    assert format_percent(ratio, digits=digits) == shown


def test_burn_rates_and_thresholds_read_naturally() -> None:
    assert [format_burn_rate(rate) for rate in (None, 0.0, 0.04, 0.8, 14.4, 18.0, 250.0)] == [
        "–",
        "0×",
        "0.04×",
        "0.8×",
        "14.4×",
        "18×",
        "250×",
    ]
    assert format_threshold(timedelta(milliseconds=300)) == "300 ms"
    assert format_threshold(timedelta(seconds=1.5)) == "1.5 s"
    assert format_threshold(timedelta(minutes=2)) == "2m"


def test_a_calendar_slo_reads_as_its_period_in_the_digest_and_slo_show() -> None:
    definition = SloDefinition.model_validate(
        {
            "name": "checkout-monthly",
            "service": "checkout",
            "objective": "99.9%",
            "window": {"calendar": "month", "timezone": "Europe/Madrid"},
            "source": {"type": "events"},
        }
    )
    at = datetime(2026, 12, 29, 10, tzinfo=UTC)
    evaluation = SloEvaluation(
        slo=definition.name,
        service="checkout",
        at=at,
        objective=0.999,
        window_seconds=int(definition.measured_window(at).total_seconds()),
        status=SloStatus.PASS.value,
        attainment=0.99941,
        budget_remaining=1 - 0.059 / 0.1,  # 41 % left
        burn_rates={},
    )
    report = to_report(definition, evaluation, now=at)

    digest = Digest(start=at - timedelta(days=7), end=at, reports=[report], last_week={}, incidents=[])
    _, blocks = digest_message(digest, zone=ZONE)
    assert "December, 29 of 31 days in: 99.94 % vs 99.9 % · budget 41 % left" in _texts(blocks)[1]
    assert "budgets over December (calendar month, Europe/Madrid)" in blocks[-1]["elements"][0]["text"]
    shown = slo_show_text(report, BudgetSeries(definition.name, []))
    assert "Objective: 99.9 % over December (calendar month, Europe/Madrid)" in shown
    assert "Period: December, 29 of 31 days in" in shown
    assert report.to_json()["period"] == {
        "label": "December",
        "start": "2026-11-30T23:00:00+00:00",
        "end": "2026-12-31T23:00:00+00:00",
        "days": 31,
        "day": 29,
    }

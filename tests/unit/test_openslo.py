"""Teams that keep their SLOs as OpenSLO v1 files get them measured, or one line saying what is wrong."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import SettingsError
from bot.slo.calendar import CalendarWindow
from bot.slo.models import BudgetingMethod, PrometheusSource, SloDefinition, SloKind
from bot.slo.openslo import load_openslo_file, parse_openslo

ROOT = Path(__file__).parents[2]
CHECKOUT = ROOT / "tests" / "fixtures" / "openslo" / "checkout.yaml"
ORIGIN = "slos/checkout.yaml"
DEFAULT_PROMETHEUS = "http://prometheus.default:9090"

INLINE_SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-availability
  displayName: Search answers without a server error
spec:
  service: search
  indicator:
    metadata:
      name: search-requests-ok
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(increase(search_requests_total{code!~"5.."}[$window]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(increase(search_requests_total[$window]))
  timeWindow:
    - duration: 4w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Search works
      targetPercent: 99.95
"""


def prometheus(slo: SloDefinition) -> PrometheusSource:
    assert isinstance(slo.source, PrometheusSource)
    return slo.source


def by_name(slos: list[SloDefinition]) -> dict[str, SloDefinition]:
    return {slo.name: slo for slo in slos}


def test_slo_with_an_inline_indicator_is_measured_on_the_default_prometheus() -> None:
    [slo] = parse_openslo(INLINE_SLO, origin="search.yaml", default_prometheus_url=DEFAULT_PROMETHEUS)

    assert slo.name == "search-availability"
    assert slo.service == "search"
    assert slo.kind is SloKind.AVAILABILITY
    assert slo.window == timedelta(weeks=4)
    assert slo.description == "Search answers without a server error"  # displayName, as there is no description
    source = prometheus(slo)
    assert source.url == DEFAULT_PROMETHEUS
    assert source.good_query == 'sum(increase(search_requests_total{code!~"5.."}[$window]))'
    assert source.total_query == "sum(increase(search_requests_total[$window]))"


def test_target_percent_becomes_the_same_ratio_people_wrote() -> None:
    [slo] = parse_openslo(INLINE_SLO, origin="search.yaml", default_prometheus_url=DEFAULT_PROMETHEUS)

    assert slo.objective == 0.9995
    assert slo.target == 0.9995


def test_slo_naming_an_sli_and_a_datasource_in_the_same_file_reads_that_prometheus() -> None:
    slos = by_name(load_openslo_file(CHECKOUT, default_prometheus_url=DEFAULT_PROMETHEUS))

    slo = slos["checkout-availability"]
    assert slo.service == "checkout"
    assert slo.kind is SloKind.AVAILABILITY
    assert slo.objective == 0.999
    assert slo.window == timedelta(days=28)
    assert slo.description == "99.9 % of checkout requests succeed over four weeks"
    source = prometheus(slo)
    assert source.url == "http://prometheus.monitoring.svc:9090"  # the DataSource wins over the default
    assert source.good_query == 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[$window]))'
    assert source.total_query == 'sum(increase(http_requests_total{job="checkout"}[$window]))'


def test_bad_over_total_becomes_an_error_rate_slo_with_the_same_promise() -> None:
    slo = by_name(load_openslo_file(CHECKOUT))["checkout-payment-errors"]

    assert slo.kind is SloKind.ERROR_RATE
    assert slo.max_error_rate == 0.005
    assert slo.objective is None
    assert slo.target == pytest.approx(0.995)
    assert slo.window == timedelta(weeks=1)
    source = prometheus(slo)
    assert source.error_query == 'sum(increase(payment_attempts_total{job="checkout",outcome="error"}[$window]))'
    assert source.total_query == 'sum(increase(payment_attempts_total{job="checkout"}[$window]))'
    assert source.good_query is None


def test_services_are_ignored_and_an_alert_policy_becomes_the_burn_rule_of_the_slo_naming_it() -> None:
    slos = load_openslo_file(CHECKOUT)

    assert [slo.name for slo in slos] == ["checkout-availability", "checkout-payment-errors"]
    [rule] = slos[0].burn_alerts
    assert (rule.window, rule.op, rule.burn_rate, rule.severity) == (timedelta(hours=1), "gte", 14.4, "page")
    assert (rule.policy, rule.condition, rule.notification_targets) == (
        "checkout-fast-burn",
        "burning-fast",
        ["payments-oncall"],
    )
    assert rule.alert_after == timedelta(minutes=5)
    assert slos[1].burn_alerts == []  # no policy: the workbook's rules


def test_slo_may_come_before_the_sli_and_datasource_it_names() -> None:
    documents = CHECKOUT.read_text().split("\n---\n")
    reordered = "\n---\n".join(reversed(documents))

    slos = parse_openslo(reordered, origin=ORIGIN)

    assert sorted(slo.name for slo in slos) == ["checkout-availability", "checkout-payment-errors"]


def test_query_with_its_own_url_needs_no_datasource_or_default() -> None:
    text = INLINE_SLO.replace("    type: Prometheus\n", "    type: prometheus\n").replace(
        "            spec:\n", "            spec:\n              url: https://thanos.example.org/\n"
    )

    [slo] = parse_openslo(text, origin="search.yaml")

    assert prometheus(slo).url == "https://thanos.example.org"


def test_time_window_left_out_means_28_days() -> None:
    text = INLINE_SLO.replace("  timeWindow:\n    - duration: 4w\n      isRolling: true\n", "")

    [slo] = parse_openslo(text, origin="search.yaml", default_prometheus_url=DEFAULT_PROMETHEUS)

    assert slo.window == timedelta(days=28)


def test_file_with_only_a_service_defines_no_slo() -> None:
    text = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\nspec: {}\n---\n"

    assert parse_openslo(text, origin=ORIGIN) == []


def test_example_in_the_docs_is_a_valid_file() -> None:
    section = (ROOT / "docs" / "slo.md").read_text().split("## OpenSLO files", 1)[1]
    examples = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    complete = next(example for example in examples if "kind: SLO" in example)

    [slo] = parse_openslo(complete, origin="docs/slo.md")

    assert slo.name == "checkout-availability" and prometheus(slo).url == "http://prometheus.monitoring.svc:9090"


# --- Mistakes: each is one line naming the file, the SLO (or document) and the field --------------------------


def checkout_documents() -> dict[str, dict[str, Any]]:
    """The checkout file's documents, by name, ready to be spoiled one field at a time."""
    return {document["metadata"]["name"]: document for document in yaml.safe_load_all(CHECKOUT.read_text())}


def spoiled(change: Callable[[dict[str, dict[str, Any]]], object]) -> str:
    documents = checkout_documents()
    change(documents)
    return yaml.safe_dump_all(documents.values(), sort_keys=False)


def refusal(text: str, *, default_prometheus_url: str | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        parse_openslo(text, origin=ORIGIN, default_prometheus_url=default_prometheus_url)
    message = str(caught.value)
    assert all(line.startswith(ORIGIN) for line in message.splitlines())  # one line per problem
    return message


def slo_spec(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = documents["checkout-availability"]["spec"]
    return spec


def good_source(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    source: dict[str, Any] = documents["checkout-requests-ok"]["spec"]["ratioMetric"]["good"]["metricSource"]
    return source


AVAILABILITY = f"{ORIGIN}: SLO checkout-availability: "
SLI = f"{ORIGIN}: SLI checkout-requests-ok: "

MISTAKES = [
    pytest.param(
        lambda d: slo_spec(d)["objectives"][0].update(target=1.5),
        AVAILABILITY + "spec.objectives[0].target must lie strictly between 0 and 1",
        id="target of 1.5",
    ),
    pytest.param(
        lambda d: slo_spec(d)["objectives"][0].update(target="three nines"),
        AVAILABILITY + "spec.objectives[0].target must be a number, got 'three nines'",
        id="target not a number",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(objectives=[{"targetPercent": 100}]),
        AVAILABILITY + "spec.objectives[0].targetPercent must lie strictly between 0 and 100",
        id="targetPercent of 100",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(objectives=[{"target": 0.99, "targetPercent": 99}]),
        AVAILABILITY + "spec.objectives[0] takes target or targetPercent, not both",
        id="target and targetPercent",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(objectives=[{"displayName": "Works"}]),
        AVAILABILITY + "spec.objectives[0] needs target (e.g. 0.999) or targetPercent (e.g. 99.9)",
        id="objective without target",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(objectives=[{"target": 0.99}, {"target": 0.999}]),
        AVAILABILITY + "spec.objectives lists 2 objectives: write one SLO per objective",
        id="two objectives",
    ),
    pytest.param(
        lambda d: slo_spec(d).pop("objectives"),
        AVAILABILITY + "spec.objectives must list one objective, e.g. [{target: 0.999}]",
        id="no objectives",
    ),
    pytest.param(
        lambda d: slo_spec(d).pop("service"),
        AVAILABILITY + "spec.service is required",
        id="no service",
    ),
    pytest.param(
        lambda d: d["checkout-availability"]["metadata"].update(name="Checkout Availability"),
        f"{ORIGIN}: SLO Checkout Availability: metadata.name 'Checkout Availability' must be lower-case letters, "
        "digits, '-', '_' or '.' (it appears in URLs)",
        id="name SloDefinition refuses",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(timewindow=slo_spec(d).pop("timeWindow")),
        AVAILABILITY + "spec.timewindow is not a field of an SLO in OpenSLO v1 (see docs/slo.md)",
        id="misspelt field",
    ),
    pytest.param(
        lambda d: slo_spec(d)["timeWindow"][0].update(duration="1M"),
        AVAILABILITY + "spec.timeWindow[0].duration '1M' varies in length: a rolling window takes m, h, d or w; "
        "M, Q and Y need isRolling: false",
        id="rolling window in months",
    ),
    pytest.param(
        lambda d: slo_spec(d)["timeWindow"][0].update(duration="four weeks"),
        AVAILABILITY + "spec.timeWindow[0].duration must be a duration like 28d, 4w or 12h, got 'four weeks'",
        id="window not a duration",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(indicatorRef="checkout-ok"),
        AVAILABILITY + "spec.indicatorRef names SLI 'checkout-ok', which is not defined in this file "
        "(SLIs here: checkout-requests-ok)",
        id="unknown SLI",
    ),
    pytest.param(
        lambda d: slo_spec(d).update(indicator={"spec": {}}),
        AVAILABILITY + "spec.indicatorRef cannot be used with spec.indicator: give one of them",
        id="indicator and indicatorRef",
    ),
    pytest.param(
        lambda d: slo_spec(d).pop("indicatorRef"),
        AVAILABILITY + "spec needs indicator (an inline SLI) or indicatorRef (the name of an SLI document)",
        id="no indicator",
    ),
    pytest.param(
        lambda d: good_source(d).update(metricSourceRef="prometheus-staging"),
        SLI + "spec.ratioMetric.good.metricSource.metricSourceRef names DataSource 'prometheus-staging', "
        "which is not defined in this file (DataSources here: prometheus-prod)",
        id="unknown DataSource",
    ),
    pytest.param(
        lambda d: d["prometheus-prod"]["spec"].update(type="Datadog"),
        f"{ORIGIN}: DataSource prometheus-prod: spec.type 'Datadog' is not supported: oncall-bot measures SLIs "
        "from Prometheus only (type: Prometheus)",
        id="DataSource not Prometheus",
    ),
    pytest.param(
        lambda d: d["prometheus-prod"]["spec"].update(connectionDetails={"region": "eu-west-1"}),
        f"{ORIGIN}: DataSource prometheus-prod: spec.connectionDetails needs url (or address): "
        "the Prometheus server's http(s) URL",
        id="DataSource without url",
    ),
    pytest.param(
        lambda d: d["prometheus-prod"]["spec"].update(connectionDetails={"address": "prometheus:9090"}),
        f"{ORIGIN}: DataSource prometheus-prod: spec.connectionDetails.address 'prometheus:9090' is not an "
        "http(s) URL of a Prometheus server",
        id="DataSource address not a URL",
    ),
    pytest.param(
        lambda d: good_source(d).update(type="Datadog"),
        SLI + "spec.ratioMetric.good.metricSource.type must be Prometheus, got 'Datadog'",
        id="metric source not Prometheus",
    ),
    pytest.param(
        lambda d: good_source(d)["spec"].pop("query"),
        SLI + "spec.ratioMetric.good.metricSource.spec.query is required",
        id="no query",
    ),
    pytest.param(
        lambda d: d["checkout-requests-ok"]["spec"]["ratioMetric"].pop("total"),
        SLI + "spec.ratioMetric.total is required",
        id="no total",
    ),
    pytest.param(
        lambda d: d["checkout-requests-ok"]["spec"]["ratioMetric"].update(bad=copy.deepcopy(good_source(d))),
        SLI + "spec.ratioMetric.bad cannot be used with good: give one of them",
        id="good and bad",
    ),
    pytest.param(
        lambda d: good_source(d)["spec"].update(url="http://prometheus.eu:9090"),
        SLI + "spec.ratioMetric.total.metricSource reads http://prometheus.monitoring.svc:9090 but good reads "
        "http://prometheus.eu:9090: both must query the same Prometheus",
        id="good and total on two servers",
    ),
    pytest.param(
        lambda d: d["checkout-requests-ok"]["spec"]["ratioMetric"].update(counter="yes"),
        SLI + "spec.ratioMetric.counter must be true or false",
        id="counter not a boolean",
    ),
    pytest.param(
        lambda d: d["checkout-requests-ok"]["spec"].update(
            ratioMetric={"rawType": "succeeded", "raw": {"metricSource": {"type": "Prometheus"}}}
        ),
        SLI + "spec.ratioMetric.rawType must be success or failure, got 'succeeded'",
        id="raw ratio of an unknown type",
    ),
    pytest.param(
        lambda d: d["checkout-payment-errors"]["metadata"].update(name="checkout-availability"),
        f"{ORIGIN}: SLO checkout-availability: metadata.name is also used by document 4 (each SLO needs its own name)",
        id="two SLOs of one name",
    ),
    pytest.param(
        lambda d: d["checkout"].update(apiVersion="openslo/v2alpha"),
        f"{ORIGIN}: document 1: apiVersion must be openslo/v1, got 'openslo/v2alpha'",
        id="other OpenSLO version",
    ),
    pytest.param(
        lambda d: d["checkout"].update(kind="Slo"),
        f"{ORIGIN}: document 1: kind must be one of SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition, "
        "AlertNotificationTarget, got 'Slo'",
        id="unknown kind",
    ),
    pytest.param(
        lambda d: d["checkout-requests-ok"]["metadata"].pop("name"),
        f"{ORIGIN}: document 3: metadata.name is required\n"
        + AVAILABILITY
        + "spec.indicatorRef names SLI 'checkout-requests-ok', which is not defined in this file "
        "(there is no SLI here)",
        id="SLI without a name",
    ),
]


@pytest.mark.parametrize(("change", "message"), MISTAKES)
def test_mistake_in_a_file_is_one_line_naming_the_field(
    change: Callable[[dict[str, dict[str, Any]]], object], message: str
) -> None:
    assert refusal(spoiled(change)) == message


def test_calendar_window_with_a_rolling_flag_is_refused_naming_the_flag() -> None:
    def calendar(documents: dict[str, dict[str, Any]]) -> None:
        slo_spec(documents)["timeWindow"] = [{"duration": "1M", "calendar": {"timeZone": "UTC"}, "isRolling": True}]

    assert refusal(spoiled(calendar)) == (
        AVAILABILITY + "spec.timeWindow[0].calendar is for calendar-aligned windows: write isRolling: false"
    )


def test_timeslice_budgeting_without_a_slice_window_is_refused_naming_it() -> None:
    text = spoiled(lambda d: slo_spec(d).update(budgetingMethod="Timeslices"))

    assert refusal(text) == (
        AVAILABILITY + "spec.objectives[0] needs timeSliceWindow (e.g. 5m) with budgetingMethod Timeslices"
    )


def test_threshold_metric_sli_without_a_threshold_is_refused_naming_op() -> None:
    threshold = {
        "metricSource": {"metricSourceRef": "prometheus-prod", "spec": {"query": "histogram_quantile(0.99, …)"}}
    }
    text = spoiled(lambda d: d["checkout-requests-ok"].update(spec={"thresholdMetric": threshold}))

    assert (
        refusal(text)
        == AVAILABILITY + "spec.objectives[0].op must be lt, lte, gt or gte for a thresholdMetric SLI, got None"
    )


def test_inline_query_without_any_prometheus_url_says_where_to_give_one() -> None:
    message = refusal(INLINE_SLO)

    assert message == (
        "slos/checkout.yaml: SLO search-availability: spec.indicator.spec.ratioMetric.good.metricSource "
        "has no Prometheus URL: give metricSourceRef (a DataSource) or spec.url"
    )


def test_invalid_yaml_names_the_line() -> None:
    text = CHECKOUT.read_text().replace(
        "  service: checkout\n  indicatorRef", "  service: checkout: eu\n  indicatorRef"
    )
    line = text.splitlines().index("  service: checkout: eu") + 1

    assert refusal(text) == f"{ORIGIN} line {line}: not valid YAML (mapping values are not allowed here)"


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "slos" / "gone.yaml"

    with pytest.raises(SettingsError, match=re.escape(f"{missing}: cannot be read (No such file or directory)")):
        load_openslo_file(missing)


# --- Calendar windows, time slices, threshold and raw metrics (bot/slo/openslo_fields.py) ---------------------


def loaded(change: Callable[[dict[str, dict[str, Any]]], object]) -> SloDefinition:
    return by_name(parse_openslo(spoiled(change), origin=ORIGIN))["checkout-availability"]


def test_a_calendar_quarter_in_new_york_from_its_start_time() -> None:
    def quarter(documents: dict[str, dict[str, Any]]) -> None:
        calendar = {"startTime": "2022-01-01 00:00:00", "timeZone": "America/New_York"}
        slo_spec(documents)["timeWindow"] = [{"duration": "1Q", "isRolling": False, "calendar": calendar}]

    slo = loaded(quarter)

    assert slo.calendar == CalendarWindow(calendar="quarter", timezone="America/New_York", start=datetime(2022, 1, 1))
    # 1 April 2026 00:00 EDT is 04:00 UTC: Q2 begins then, not at UTC midnight.
    assert slo.calendar.period(datetime(2026, 4, 1, 3, 59, tzinfo=UTC)).label == "Q1 2026"
    assert slo.calendar.period(datetime(2026, 4, 1, 4, 0, tzinfo=UTC)).label == "Q2 2026"


def test_a_calendar_window_in_an_unknown_zone_is_refused_naming_the_field() -> None:
    def mars(documents: dict[str, dict[str, Any]]) -> None:
        window = {"duration": "1M", "isRolling": False, "calendar": {"timeZone": "Mars/Olympus"}}
        slo_spec(documents)["timeWindow"] = [window]

    assert refusal(spoiled(mars)) == (
        AVAILABILITY
        + "spec.timeWindow[0].calendar.timeZone 'Mars/Olympus' is not an IANA time zone (like Europe/Madrid)"
    )


def test_timeslices_of_a_ratio_take_the_slice_window_and_target() -> None:
    def sliced(documents: dict[str, dict[str, Any]]) -> None:
        slo_spec(documents)["budgetingMethod"] = "Timeslices"
        slo_spec(documents)["objectives"] = [{"target": 0.99, "timeSliceTarget": 0.95, "timeSliceWindow": "5m"}]

    slo = loaded(sliced)

    assert slo.budgeting.method is BudgetingMethod.TIMESLICES
    assert (slo.budgeting.slice, slo.budgeting.slice_target) == (timedelta(minutes=5), 0.95)
    assert slo.objective == 0.99


def test_ratio_timeslices_refuse_a_slice_target() -> None:
    def averaged(documents: dict[str, dict[str, Any]]) -> None:
        slo_spec(documents)["budgetingMethod"] = "RatioTimeslices"
        slo_spec(documents)["objectives"] = [{"target": 0.99, "timeSliceTarget": 0.95, "timeSliceWindow": "1m"}]

    assert refusal(spoiled(averaged)) == (
        AVAILABILITY
        + "spec.objectives[0].timeSliceTarget is not used by RatioTimeslices (each slice's ratio is averaged)"
    )


def test_a_threshold_metric_becomes_a_threshold_slo_with_the_objectives_op_and_value() -> None:
    def threshold(documents: dict[str, dict[str, Any]]) -> None:
        query = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[$window])))"
        metric = {"metricSource": {"metricSourceRef": "prometheus-prod", "spec": {"query": query}}}
        documents["checkout-requests-ok"]["spec"] = {"thresholdMetric": metric}
        slo_spec(documents)["budgetingMethod"] = "Timeslices"
        slo_spec(documents)["objectives"] = [{"target": 0.99, "op": "lte", "value": 0.3, "timeSliceWindow": "5m"}]

    slo = loaded(threshold)

    assert slo.kind is SloKind.THRESHOLD
    source = prometheus(slo)
    assert (source.op, source.value, source.url) == ("lte", 0.3, "http://prometheus.monitoring.svc:9090")
    assert source.query is not None and source.query.startswith("histogram_quantile(0.99")
    assert slo.slice_length == timedelta(minutes=5)


def test_a_raw_failure_ratio_is_an_error_rate_over_a_total_of_one() -> None:
    def raw(documents: dict[str, dict[str, Any]]) -> None:
        query = "sum(rate(errors_total[$window])) / sum(rate(requests_total[$window]))"
        metric = {"metricSource": {"metricSourceRef": "prometheus-prod", "spec": {"query": query}}}
        documents["checkout-requests-ok"]["spec"] = {"ratioMetric": {"rawType": "failure", "raw": metric}}

    slo = loaded(raw)

    assert slo.kind is SloKind.ERROR_RATE
    source = prometheus(slo)
    assert (source.error_query, source.total_query) == (
        "sum(rate(errors_total[$window])) / sum(rate(requests_total[$window]))",
        "vector(1)",
    )


def test_a_daily_calendar_window_from_a_start_time_yaml_reads_as_a_date() -> None:
    # Unquoted, YAML reads `2020-01-21 12:30:00` as a timestamp: days run from 12:30 in New York.
    text = spoiled(lambda d: None).replace(
        "  timeWindow:\n  - duration: 28d\n    isRolling: true\n",
        "  timeWindow:\n  - duration: 1d\n    calendar:\n      startTime: 2020-01-21 12:30:00\n"
        "      timeZone: America/New_York\n    isRolling: false\n",
        1,
    )
    slo = by_name(parse_openslo(text, origin=ORIGIN))["checkout-availability"]

    assert slo.calendar is not None
    period = slo.calendar.period(datetime(2026, 12, 4, 12, tzinfo=UTC))  # 07:00 in New York
    assert (period.start, period.end) == (
        datetime(2026, 12, 3, 17, 30, tzinfo=UTC),
        datetime(2026, 12, 4, 17, 30, tzinfo=UTC),
    )

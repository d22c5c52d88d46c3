"""OpenSLO files as teams publish them: directories of files naming each other's objects, and every problem at once."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.schema import load_config
from bot.errors import SettingsError
from bot.slo.models import PrometheusSource, SloDefinition
from bot.slo.rules import BurnRule

DATASOURCES = """\
# a top-level list of objects, as the Go SDK writes them; connectionDetails as a list of one-key items
- apiVersion: openslo/v1
  kind: DataSource
  metadata: {name: prom-eu}
  spec:
    type: Prometheus
    connectionDetails:
      - url: http://prometheus.eu.internal:9090
"""

SLIS = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: orders-ok}
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        metricSourceRef: prom-eu
        spec: {query: 'sum(increase(orders_total{code!~"5.."}[$window]))'}
    total:
      metricSource:
        metricSourceRef: prom-eu
        spec: {query: 'sum(increase(orders_total[$window]))'}
"""

ALERTING = """\
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: orders-burning}
spec:
  severity: page
  condition: {kind: burnrate, op: gte, threshold: 10, lookbackWindow: 1h, alertAfter: 5m}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: orders-oncall}
spec: {target: slack, description: the orders rota}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: orders-page}
spec:
  alertWhenBreaching: true
  alertWhenResolved: true
  conditions: [{conditionRef: orders-burning}]
  notificationTargets: [{targetRef: orders-oncall}]
"""

SLOS = """\
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: orders-availability}
  spec:
    service: orders
    indicatorRef: orders-ok
    timeWindow: [{duration: 28d, isRolling: true}]
    budgetingMethod: Occurrences
    objectives: [{target: 0.999}]
    alertPolicies:
      - alertPolicyRef: orders-page
      - kind: AlertPolicy             # inline, without apiVersion, as the SDK's examples write it
        metadata: {name: orders-slow-burn}
        spec:
          conditions:
            - kind: AlertCondition
              metadata: {name: orders-smouldering}
              spec:
                severity: ticket
                condition: {kind: burnrate, threshold: 2, lookbackWindow: 1d}
          notificationTargets: []
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: orders-plain}
  spec:
    service: orders
    indicatorRef: orders-ok
    budgetingMethod: Occurrences
    objectives: [{targetPercent: 99}]
    alertPolicies: [orders-page]      # a bare name, as the spec's own test files write it
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def config_with(folder: Path, slo_section: str) -> Path:
    path = folder / "oncall.yml"
    path.write_text(textwrap.dedent(slo_section))
    return path


def slos_of(path: Path) -> dict[str, SloDefinition]:
    return {slo.name: slo for slo in load_config(path).slos}


@pytest.fixture
def team(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "slos/orders/datasources.yml": DATASOURCES,
            "slos/orders/slis.yaml": SLIS,
            "slos/orders/alerting/policies.yaml": ALERTING,
            "slos/orders/slos.yaml": SLOS,
            "slos/orders/.drafts/broken.yaml": "not: [valid",  # hidden: an editor's or a tool's, not read
            "slos/orders/README.md": "# not YAML, not read",
        },
    )
    return tmp_path


def test_a_directory_of_files_is_read_as_one_set_with_references_across_files(team: Path) -> None:
    slos = slos_of(config_with(team, "slo:\n  openslo: [slos/orders]\n"))

    orders = slos["orders-availability"]
    assert isinstance(orders.source, PrometheusSource)
    assert orders.source.url == "http://prometheus.eu.internal:9090"  # the DataSource of another file
    assert orders.source.good_query == 'sum(increase(orders_total{code!~"5.."}[$window]))'
    assert slos["orders-plain"].objective == 0.99


def test_an_slo_alert_policies_become_its_burn_rules_with_their_severity_and_targets(team: Path) -> None:
    slos = slos_of(config_with(team, "slo:\n  openslo: [slos/orders]\n"))

    assert slos["orders-availability"].burn_alerts == [
        BurnRule(
            window=timedelta(hours=1),
            burn_rate=10.0,
            op="gte",
            severity="page",
            alert_after=timedelta(minutes=5),
            policy="orders-page",
            condition="orders-burning",
            notification_targets=["orders-oncall"],
        ),
        BurnRule(
            window=timedelta(days=1),
            burn_rate=2.0,
            severity="ticket",
            policy="orders-slow-burn",
            condition="orders-smouldering",
        ),
    ]
    assert [rule.policy for rule in slos["orders-plain"].burn_alerts] == ["orders-page"]


def test_the_old_setting_openslo_files_still_reads_files(team: Path) -> None:
    files = "[slos/orders/datasources.yml, slos/orders/slis.yaml, slos/orders/alerting/policies.yaml, "
    slos = slos_of(config_with(team, f"slo:\n  openslo_files: {files}slos/orders/slos.yaml]\n"))

    assert sorted(slos) == ["orders-availability", "orders-plain"]


def test_slos_in_oncall_config_take_burn_alerts_of_their_own(tmp_path: Path) -> None:
    config = """\
    slos:
      - name: search-availability
        service: search
        objective: 99.9%
        source: {type: events}
        burn_alerts:
          - {window: 1h, short_window: 5m, burn_rate: 14.4, severity: page}
          - {window: 3d, burn_rate: 1, op: gte, severity: ticket, alert_after: 1h}
    """
    [slo] = load_config(config_with(tmp_path, config)).slos

    assert [(rule.window, rule.short_window, rule.burn_rate, rule.severity) for rule in slo.burn_alerts] == [
        (timedelta(hours=1), timedelta(minutes=5), 14.4, "page"),
        (timedelta(days=3), None, 1.0, "ticket"),
    ]
    assert slo.burn_alerts[1].alert_after == timedelta(hours=1)


def refusal(path: Path) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_config(path)
    return str(caught.value).splitlines()


def test_every_problem_of_every_file_is_one_line_naming_the_file_object_and_field(team: Path) -> None:
    broken = """\
    - apiVersion: openslo/v1
      kind: DataSource
      metadata: {name: dd}
      spec: {type: Datadog, connectionDetails: {apiKey: k}}
    - apiVersion: openslo/v1
      kind: Dashboard
      metadata: {name: orders-board}
      spec: {}
    - apiVersion: openslo/v1
      kind: AlertCondition
      metadata: {name: orders-odd}
      spec:
        severity: page
        condition: {kind: threshold, threshold: 3, lookbackWindow: 1h}
    - apiVersion: openslo/v1
      kind: SLO
      metadata: {name: orders-latency}
      spec:
        service: orders
        indicatorRef: orders-ok
        budgetingMethod: Occurrences
        objectives: [{target: 0.99}]
        alertPolicies: [{alertPolicyRef: orders-pager}]
    - apiVersion: openslo/v1
      kind: SLI
      metadata: {name: orders-ok}
      spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: {query: up}}}}}
    """
    write(team, {"slos/orders/zz-broken.yaml": textwrap.dedent(broken)})
    broken_file = team / "slos" / "orders" / "zz-broken.yaml"

    lines = refusal(config_with(team, "slo:\n  openslo: [slos/orders]\n"))

    assert lines == [
        f"{broken_file}: item 2: kind must be one of SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition, "
        "AlertNotificationTarget, got 'Dashboard'",
        f"{broken_file}: SLI orders-ok: metadata.name is also used by document 1 of {team}/slos/orders/slis.yaml"
        " (each SLI needs its own name)",
        f"{broken_file}: DataSource dd: spec.type 'Datadog' is not supported: oncall-bot measures SLIs from "
        "Prometheus only (type: Prometheus)",
        f"{broken_file}: AlertCondition orders-odd: spec.condition.kind must be burnrate (the only kind OpenSLO v1 "
        "defines), got 'threshold'",
        f"{broken_file}: SLO orders-latency: spec.alertPolicies[0].alertPolicyRef names AlertPolicy 'orders-pager', "
        "which is not defined in these files (AlertPolicies here: orders-page)",
        f"{broken_file}: SLI orders-ok: spec.ratioMetric.good.metricSource has no Prometheus URL: give "
        "metricSourceRef (a DataSource) or spec.url",
    ]


def test_a_listed_file_that_is_missing_is_named_with_the_others_problems(team: Path) -> None:
    lines = refusal(config_with(team, "slo:\n  openslo: [slos/orders, slos/payments.yaml]\n"))

    assert lines == [f"{team}/slos/payments.yaml: cannot be read (No such file or directory)"]


def test_a_directory_without_openslo_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "slos").mkdir()

    assert refusal(config_with(tmp_path, "slo:\n  openslo: [slos]\n")) == [
        f"{tmp_path}/slos: is a directory without OpenSLO files (*.yaml or *.yml)"
    ]


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (
            "{threshold: 0, lookbackWindow: 1h}",
            "spec.condition.threshold must be a burn rate above 0 (e.g. 14.4), got 0",
        ),
        ("{threshold: 2, lookbackWindow: 1M}", "spec.condition.lookbackWindow must be a duration in m, h, d or w"),
        ("{threshold: 2, op: eq, lookbackWindow: 1h}", "spec.condition.op must be one of gt, gte, lt, lte, got 'eq'"),
    ],
)
def test_a_burn_condition_the_bot_cannot_judge_is_refused(tmp_path: Path, condition: str, reason: str) -> None:
    text = "apiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: c}\nspec:\n  severity: page\n"
    write(tmp_path, {"slos/c.yaml": text + f"  condition: {condition}\n"})

    [line] = refusal(config_with(tmp_path, "slo:\n  openslo: [slos]\n"))

    assert line.startswith(f"{tmp_path}/slos/c.yaml: AlertCondition c: {reason}")


def test_a_policy_alerting_on_no_data_is_refused_naming_the_field(tmp_path: Path) -> None:
    policy = """\
    apiVersion: openslo/v1
    kind: AlertPolicy
    metadata: {name: p}
    spec:
      alertWhenNoData: true
      conditions: [{conditionRef: c}]
    ---
    apiVersion: openslo/v1
    kind: AlertCondition
    metadata: {name: c}
    spec: {severity: page, condition: {threshold: 2, lookbackWindow: 1h}}
    """
    write(tmp_path, {"slos/p.yaml": textwrap.dedent(policy)})

    assert refusal(config_with(tmp_path, "slo:\n  openslo: [slos]\n")) == [
        f"{tmp_path}/slos/p.yaml: AlertPolicy p: spec.alertWhenNoData true is not supported: "
        "no data neither starts nor ends a burn"
    ]


def test_a_stream_of_lists_and_inline_targets_read_as_published(tmp_path: Path) -> None:
    text = """\
    - apiVersion: openslo/v1
      kind: Service
      metadata: {name: web}
      spec: {description: the shop}
    ---
    - apiVersion: openslo/v1
      kind: AlertPolicy
      metadata: {name: web-page}
      spec:
        alertWhenBreaching: true
        conditions:
          - kind: AlertCondition
            metadata: {name: web-burning}
            spec: {severity: sev1, condition: {kind: burnrate, op: gt, threshold: 6, lookbackWindow: 6h}}
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata: {name: web-pager}
            spec: {target: pagerduty}
          - targetRef: web-email          # defined nowhere: only a name on the alert
    - apiVersion: openslo/v1
      kind: SLO
      metadata: {name: web-availability}
      spec:
        service: web
        indicator:
          metadata: {name: web-ok}
          spec:
            ratioMetric:
              counter: true
              good: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(ok_total[$window]))'}}}
              total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(all_total[$window]))'}}}
        budgetingMethod: Occurrences
        objectives: [{target: 0.995}]
        alertPolicies: [{alertPolicyRef: web-page}]
    """
    write(tmp_path, {"slos/web.yaml": textwrap.dedent(text)})

    [slo] = load_config(
        config_with(tmp_path, "slo:\n  openslo: [slos]\n  prometheus_url: http://prometheus:9090\n")
    ).slos

    [rule] = slo.burn_alerts
    assert (rule.window, rule.burn_rate, rule.severity) == (timedelta(hours=6), 6.0, "sev1")
    assert rule.notification_targets == ["web-pager", "web-email"]


def test_a_problem_in_a_list_inside_a_stream_names_the_document_and_the_item(tmp_path: Path) -> None:
    text = "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: web}\nspec: {}\n---\n- 42\n"
    write(tmp_path, {"slos/web.yaml": text})

    assert refusal(config_with(tmp_path, "slo:\n  openslo: [slos]\n")) == [
        f"{tmp_path}/slos/web.yaml: document 2 item 1: must be a mapping with apiVersion, kind, metadata and spec"
    ]

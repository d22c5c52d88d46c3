"""What an alert says, the same for every source: the one place that decides how an alert is named.

Every message, page and document that shows an alert starts from `facts(alert)`:

    facts(alert) -> AlertFacts(
        name="CheckoutErrors",                 # the rule that fired
        source="Alertmanager",                 # the sender, spelled as its owner spells it
        severity="critical",                   # as the source named it, or None
        labels=(("service", "checkout"), ("instance", "web-1")),   # what identifies it, most telling first
        summary="5xx rate is 7.2%",            # "" when it would only repeat the name
        description="…",                       # "" when there is none, or it repeats the summary
        links=(Link("Runbook", "https://…"), Link("Source", "https://…")),   # runbook first
    )

`alert` is a stored `storage.tables.Alert` or a parsed `AlertIn`. The rule name is the `alertname`
label (Alertmanager, Grafana, and the generic format's `name`), else the summary (a PagerDuty
incident's title). Links are the runbook, the source's own link (`generatorURL`, PagerDuty's
`html_url`, the generic `source_url`), annotations named `*_url`, and what the parser kept in
`links` (Grafana's dashboard, panel and silence; PagerDuty's service and conference bridge; the
generic `links`). Nothing here escapes: each renderer escapes for its own format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# How the sources name themselves (and the article their name takes when read aloud).
SOURCE_NAMES = {
    "alertmanager": ("an", "Alertmanager"),
    "grafana": ("a", "Grafana"),
    "pagerduty": ("a", "PagerDuty"),
    "generic": ("a", "generic JSON"),
    "slo": ("an", "SLO"),
}
# What the sender's own link is called; Alertmanager's and Grafana's UIs call generatorURL "Source".
SOURCE_LINK_LABELS = {"pagerduty": "PagerDuty incident"}
# Labels that say where and what, most telling first; the rest follow alphabetically.
LEADING_LABELS = (
    "service",
    "team",
    "env",
    "environment",
    "instance",
    "job",
    "namespace",
    "cluster",
    "region",
    "zone",
    "host",
    "node",
    "pod",
    "container",
)
# Shown elsewhere in the facts: as the name and as the severity.
SHOWN_ELSEWHERE = frozenset({"alertname", "severity"})
# Annotations that hold a link without saying so by a `_url` suffix.
LINK_ANNOTATIONS = {"dashboard": "Dashboard"}


class ShownAlert(Protocol):
    """What `facts` reads: a stored Alert and a parsed AlertIn both have it."""

    @property
    def source(self) -> str: ...
    @property
    def labels(self) -> dict[str, str]: ...
    @property
    def annotations(self) -> dict[str, str]: ...
    @property
    def summary(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def runbook_url(self) -> str | None: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def generator_url(self) -> str | None: ...
    @property
    def links(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class AlertFacts:
    name: str
    source: str
    severity: str | None
    labels: tuple[tuple[str, str], ...]
    summary: str
    description: str
    links: tuple[Link, ...]

    @property
    def runbook(self) -> str | None:
        return next((link.url for link in self.links if link.label == "Runbook"), None)

    def label_text(self, limit: int | None = None) -> str:
        """`service=checkout instance=web-1`, as people write matchers; past `limit` labels, `+3 more`."""
        shown = self.labels if limit is None else self.labels[:limit]
        text = " ".join(f"{name}={value}" for name, value in shown)
        hidden = len(self.labels) - len(shown)
        return f"{text} +{hidden} more" if hidden else text


def source_name(source: str) -> str:
    """`alertmanager` → `Alertmanager`, `pagerduty` → `PagerDuty`; an unknown source as it is."""
    return SOURCE_NAMES.get(source, ("", source))[1]


def alert_from(source: str) -> str:
    """`an Alertmanager alert`, `a PagerDuty alert`: an alert of this source in a sentence."""
    article, name = SOURCE_NAMES.get(source, ("", source))
    if not article:
        article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name} alert"


def rule_name(labels: Mapping[str, str], summary: str) -> str:
    """The alert rule that fired: its `alertname`, or the summary when the source names no rule."""
    return (labels.get("alertname") or "").strip() or summary


def ordered_labels(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The labels that identify an alert, most telling first, without the name and severity."""
    shown = {name: value for name, value in labels.items() if value and name not in SHOWN_ELSEWHERE}
    leading = [(name, shown[name]) for name in LEADING_LABELS if name in shown]
    rest = sorted((name, value) for name, value in shown.items() if name not in LEADING_LABELS)
    return tuple(leading + rest)


def _annotation_label(name: str) -> str | None:
    """`dashboard_url` → `Dashboard`, `logsURL` → `Logs`; None for an annotation that is no link."""
    if name in LINK_ANNOTATIONS:
        return LINK_ANNOTATIONS[name]
    for suffix in ("_url", "URL", "Url"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)].replace("_", " ").strip().capitalize()
    return None


def _links(alert: ShownAlert) -> tuple[Link, ...]:
    found: list[Link] = []
    if alert.runbook_url:
        found.append(Link("Runbook", alert.runbook_url))
    if alert.generator_url:
        found.append(Link(SOURCE_LINK_LABELS.get(alert.source, "Source"), alert.generator_url))
    for name, value in alert.annotations.items():
        label = _annotation_label(name) if name != "runbook_url" else None
        if label and value.startswith(("http://", "https://")):
            found.append(Link(label, value))
    found.extend(Link(label, url) for label, url in alert.links.items() if url)
    seen: set[str] = set()
    unique = []
    for link in found:  # Grafana often sends the same address as dashboard and panel
        if link.url not in seen:
            seen.add(link.url)
            unique.append(link)
    return tuple(unique)


def facts(alert: ShownAlert) -> AlertFacts:
    """Everything a reader needs to know which alert fired and where to look."""
    name = rule_name(alert.labels, alert.summary)
    summary = alert.summary if alert.summary.strip() != name else ""
    description = alert.description if alert.description.strip() not in ("", alert.summary.strip()) else ""
    return AlertFacts(
        name=name,
        source=source_name(alert.source),
        severity=alert.severity or None,
        labels=ordered_labels(alert.labels),
        summary=summary,
        description=description,
        links=_links(alert),
    )
